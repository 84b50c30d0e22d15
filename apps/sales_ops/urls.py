"""Portal pages of sales ops, under /sales/."""

app_name = "sales_ops"
urlpatterns = []
