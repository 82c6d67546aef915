"""(in progress)"""
urlpatterns = []
