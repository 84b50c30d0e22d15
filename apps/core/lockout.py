"""The answer to a sign-in from a locked-out (username, address): the same on every login path."""

from axes.helpers import get_client_username, get_cool_off
from django.http import JsonResponse
from django.shortcuts import render

STATUS = 429  # Too Many Requests: the refusal lifts by itself, which a 403 would not say


def lockout_message(username: str | None, minutes: int) -> str:
    who = f"“{username}”" if username else "this account"
    return (
        f"Too many failed sign-ins for {who} from your address. Try again in {minutes} minutes, "
        "or ask sales ops to unlock it (Admin → Access attempts)."
    )


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' AXES_LOCKOUT_CALLABLE: JSON for the API, the sign-in page's look for people."""
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else 0
    message = lockout_message(get_client_username(request, credentials), minutes)
    headers = {"Retry-After": str(int(cool_off.total_seconds()))} if cool_off else {}
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"detail": message, "code": "locked_out"}, status=STATUS, json_dumps_params={"ensure_ascii": False}
        )
    else:
        response = render(request, "registration/locked_out.html", {"message": message}, status=STATUS)
    for name, value in headers.items():
        response[name] = value
    return response
