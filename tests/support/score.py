"""Hand-made items for scoring tests."""

from __future__ import annotations

from datetime import UTC, datetime

from curator.types import Item

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def make_item(
    item_id: int,
    title: str,
    body: str = "",
    *,
    feed_id: int = 1,
    language: str | None = None,
    published_at: datetime | None = NOW,
    cluster_id: int | None = None,
) -> Item:
    return Item(
        id=item_id,
        feed_id=feed_id,
        guid=None,
        url=f"https://example.org/{item_id}",
        title=title,
        summary=body,
        content="",
        author=None,
        language=language,
        published_at=published_at,
        fetched_at=NOW,
        content_hash=f"h{item_id}",
        cluster_id=cluster_id,
    )


# Filler items on unrelated topics, so that document frequencies look like a real corpus.
FILLER_FR = [
    "Le festival de Cannes récompense un film coréen",
    "La météo annonce des orages sur la Bretagne ce week-end",
    "Le PSG s'impose face à Marseille au Parc des Princes",
    "Recette : une tarte aux pommes pour l'automne",
    "Les prix de l'immobilier reculent à Lyon",
    "Une exposition Picasso ouvre au musée d'Orsay",
    "Le Tour de France passera par les Pyrénées",
    "La SNCF annonce de nouveaux trains vers l'Italie",
    "Un concert gratuit de jazz sur les quais de Seine",
    "Les vendanges commencent tôt en Bourgogne cette année",
]
FILLER_EN = [
    "Local team wins the basketball championship after overtime",
    "Ten recipes for a quick weeknight dinner",
    "Storm warning issued for the east coast this weekend",
    "Museum opens a new wing dedicated to modern art",
    "Gardening tips: how to grow tomatoes on a balcony",
    "The best hiking trails in the Alps this summer",
    "Celebrity couple announces engagement",
    "Airline adds new direct flights to Lisbon",
    "A guide to the city's best coffee shops",
    "Marathon runners brave the heat in record numbers",
]
