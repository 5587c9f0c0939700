/* Forms that guide (issue 16): branching and clearing old error messages.
 *
 * - Branching: a field whose input carries data-show-when="<controlling field>" and
 *   data-show-values="<answers that open it>" is shown only for those answers. The
 *   server clears a hidden field and never requires it (outcomes/forms.py).
 * - Once the user changes a field that has an error, its red border, its message and
 *   its line in the error summary go away.
 * No inline script or style (CSP): classes only (d-none).
 */
(function () {
  "use strict";

  function wrapperOf(input) {
    return input.closest("[data-field]") || document.getElementById("div_id_" + input.name) ||
      input.closest(".mb-3");
  }

  function valueOf(form, name) {
    var inputs = form.querySelectorAll("[name='" + name + "']");
    for (var i = 0; i < inputs.length; i++) {
      var el = inputs[i];
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) { return el.value; }
      } else {
        return el.value;
      }
    }
    return "";
  }

  function dependentsOf(form) {
    var seen = {};
    var result = [];
    form.querySelectorAll("[data-show-when]").forEach(function (input) {
      if (seen[input.name]) { return; }
      seen[input.name] = true;
      result.push(input);
    });
    return result;
  }

  function applyBranching(form) {
    // In document order, so a chain (disease -> type -> other) closes as a whole.
    var hidden = {};
    dependentsOf(form).forEach(function (input) {
      var controller = input.getAttribute("data-show-when");
      var opens = (input.getAttribute("data-show-values") || "").split(" ");
      var show = !hidden[controller] && opens.indexOf(valueOf(form, controller)) !== -1;
      if (!show) { hidden[input.name] = true; }
      var wrapper = wrapperOf(input);
      if (wrapper) {
        wrapper.classList.toggle("d-none", !show);
        wrapper.setAttribute("data-branch", show ? "shown" : "hidden");
      }
    });
  }

  function clearError(form, name) {
    var inputs = form.querySelectorAll("[name='" + name + "']");
    if (!inputs.length) { return; }
    var wrapper = wrapperOf(inputs[0]);
    inputs.forEach(function (el) {
      el.classList.remove("is-invalid");
      el.removeAttribute("aria-invalid");
    });
    if (wrapper) {
      wrapper.querySelectorAll(".is-invalid").forEach(function (el) {
        el.classList.remove("is-invalid");
      });
      wrapper.querySelectorAll(".invalid-feedback, [id^='error_']").forEach(function (el) {
        el.parentNode.removeChild(el);
      });
    }
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.querySelectorAll("[data-error-for='" + name + "']").forEach(function (li) {
        li.parentNode.removeChild(li);
      });
      if (!summary.querySelector("[data-error-for]")) { summary.classList.add("d-none"); }
    }
  }

  function onEdit(event) {
    var target = event.target;
    if (!target || !target.name || !target.form) { return; }
    clearError(target.form, target.name);
    applyBranching(target.form);
  }

  document.querySelectorAll("form").forEach(function (form) {
    if (!form.querySelector("[data-show-when], .is-invalid")) { return; }
    applyBranching(form);
    form.addEventListener("input", onEdit);
    form.addEventListener("change", onEdit);
  });
})();
