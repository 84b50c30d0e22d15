"""How the budget pages write money: rounded to the cent (halves away from zero), thousands grouped."""

from decimal import Decimal, InvalidOperation

from django import template

from apps.marketing_ops.budgets.selectors import money_text

register = template.Library()


@register.filter
def money(value) -> str:
    """Decimal('1234.565') or '1234.57' → '1,234.57'; None or '' → '—'. Views that print many amounts format
    them once in Python (`money_text`) and hand the template strings."""
    if value in (None, ""):
        return "—"
    if not isinstance(value, Decimal):
        try:
            value = Decimal(str(value))
        except InvalidOperation:
            return str(value)
    return money_text(value)
