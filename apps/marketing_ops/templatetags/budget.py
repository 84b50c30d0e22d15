"""How the budget pages write money: rounded to the cent (halves away from zero), thousands grouped."""

from decimal import Decimal, InvalidOperation

from django import template

from apps.marketing_ops.budgets.selectors import money as to_cents

register = template.Library()


@register.filter
def money(value) -> str:
    """Decimal('1234.565') or '1234.57' → '1,234.57'; None or '' → '—'."""
    if value in (None, ""):
        return "—"
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"{to_cents(amount):,}"
