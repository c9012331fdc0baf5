from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.templatetags.static import static

from .roles import Role, roles_of

#: Where each role lands after signing in, first match wins.
DESKS = [
    (Role.DISPATCHER, "console-dispatcher"),
    (Role.HOTLINE_AGENT, "console-hotline"),
    (Role.TECHNICIAN, "console-technician"),
    # their work and their numbers: approvals, figures against target, claims
    (Role.MANAGER, "console-home"),
    (Role.FINANCE, "console-home"),
    (Role.SUPERVISOR, "console-home"),
    (Role.DEPARTMENT_HANDLER, "console-complaints"),
]


@login_required
def home(request):
    """Send each role to its desk; others get their menu."""
    roles = roles_of(request.user)
    for role, url_name in DESKS:
        if role in roles:
            return redirect(url_name)
    return render(request, "home.html")


def csrf_failure(request, reason=""):
    """A failed CSRF check (settings.CSRF_FAILURE_VIEW): the site's own page
    in the user's language, not Django's English one."""
    return render(request, "403_csrf.html", status=403)


def favicon(request):
    """``/favicon.ico``, which browsers and tools ask for on their own: the static
    file (the pages also link it from the site's frame)."""
    return redirect(static("favicon.ico"), permanent=True)
