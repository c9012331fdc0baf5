from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def home(request):
    """Landing page: the role's menu (issue 9 sends each role to its desk)."""
    return render(request, "home.html")
