"""The to-do list, mounted at /visits/todo/ (the path it has always had)."""

from django.urls import path

from notifications import views

urlpatterns = [
    path("", views.todo_list, name="todo_list"),
    path("<int:reminder_pk>/dismiss/", views.todo_dismiss, name="todo_dismiss"),
]
