"""API token pages: a user's own tokens (list, create, revoke) and the admin list."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dressdb import tokens


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=tokens.NAME_MAX_LENGTH,
        help_text="What the token is for, e.g. 'site A import script'.",
    )


def _page(
    request: HttpRequest, form: TokenCreateForm, status: int = 200, **extra: object
) -> HttpResponse:
    context: dict[str, object] = {
        "form": form,
        "tokens": list(tokens.tokens_of(request.user)),
        "may_create": tokens.session_may_create(request),
        "expiry_days": tokens.expiry_days(),
        "is_admin": tokens.is_admin(request.user),
        **extra,
    }
    return render(request, "tokens/token_list.html", context, status=status)


@never_cache
@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    form = TokenCreateForm(request.POST or None)
    if request.method == "POST":
        if not tokens.session_may_create(request):
            raise PermissionDenied(
                "Your role requires two-factor: verify a code in this session first."
            )
        if form.is_valid():
            try:
                token, raw = tokens.token_create(
                    user=request.user, name=form.cleaned_data["name"], request=request
                )
            except ValidationError as exc:
                for field_name, errors in exc.message_dict.items():
                    form.add_error(field_name if field_name in form.fields else None, errors)
            else:
                # Rendered, not redirected: the token is shown in this answer only.
                return _page(request, TokenCreateForm(), new_token=token, new_key=raw)
        return _page(request, form, status=400)
    return _page(request, form)


@never_cache
@login_required
@require_POST
def api_token_revoke(request: HttpRequest) -> HttpResponse:
    raw_id = request.POST.get("token", "")
    back = "api_tokens_admin" if request.POST.get("from") == "admin" else "api_tokens"
    if not raw_id.isdigit() or len(raw_id) > 18:
        messages.error(request, gettext("token: choose a token to revoke."))
        return redirect(back)
    try:
        token = tokens.token_revoke(token_id=int(raw_id), by=request.user, request=request)
    except ValidationError:
        messages.error(request, gettext("token: no such token on your list."))
    else:
        messages.success(
            request,
            gettext("Token %(prefix)s… (%(name)s) is revoked.")
            % {"prefix": token.prefix, "name": token.name},
        )
    return redirect(back)


@never_cache
@login_required
def api_tokens_admin(request: HttpRequest) -> HttpResponse:
    if not tokens.is_admin(request.user):
        raise PermissionDenied("Only trial admins see everyone's API tokens.")
    return render(
        request,
        "tokens/token_admin.html",
        {"tokens": list(tokens.tokens_all()[:500])},
    )
