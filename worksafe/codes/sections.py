"""The code card on the one-page archive and on the workbench."""
from worksafe.archive import sections


def enterprise_card(request, enterprise):
    from . import targets
    from .views import card_context

    return card_context(request, targets.ENTERPRISE, enterprise)


def register_sections():
    sections.add(sections.ARCHIVE, "codes/card.html", enterprise_card)
    sections.add(sections.WORKBENCH, "codes/card.html", enterprise_card)
