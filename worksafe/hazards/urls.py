from . import views, views_checks, views_major, views_public, views_reporting, views_scope, views_stats

app_name = "hazards"
urlpatterns = []
# Each feature module lists its own routes.
for module in (views, views_checks, views_major, views_public, views_reporting, views_scope, views_stats):
    urlpatterns += module.urlpatterns
