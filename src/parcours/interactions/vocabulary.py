"""What an interaction can be: channels, types and their defaults, and the phase rule.

Channels and types are registries in code (extensible with :func:`register_channel` and
:func:`register_type`), never a closed enum in the database: a new channel is a line here, not a
migration. Each type says what it usually is — its nature (informative or transactional), who
started it (pull: the customer; push: the company) and its phase in the purchase (before, during,
after) — and the sender may say otherwise for one interaction.
"""

from __future__ import annotations

from dataclasses import dataclass

DIRECTIONS = ("inbound", "outbound")
INITIATIVES = ("pull", "push")
NATURES = ("informative", "transactional")
PHASES = ("before", "during", "after")


@dataclass(frozen=True)
class Channel:
    name: str
    label_fr: str
    label_en: str
    #: A small pictogram for the timeline (plain Unicode, no icon font to ship).
    icon: str


CHANNELS: dict[str, Channel] = {}


def register_channel(name: str, label_fr: str, label_en: str, icon: str) -> Channel:
    channel = Channel(name, label_fr, label_en, icon)
    CHANNELS[name] = channel
    return channel


for _channel in (
    ("store", "Magasin", "Store", "🏬"),
    ("web", "Site web", "Website", "🌐"),
    ("app", "Application", "App", "📱"),
    ("phone", "Téléphone", "Phone", "📞"),
    ("email", "E-mail", "E-mail", "✉️"),
    ("sms", "SMS", "SMS", "💬"),
    ("chat", "Chat", "Chat", "🗨️"),
    ("social", "Réseau social", "Social network", "👥"),
    ("marketplace", "Place de marché", "Marketplace", "🛒"),
    ("kiosk", "Borne", "Kiosk", "🖥️"),
    ("mail", "Courrier", "Mail", "📮"),
    ("field", "Vente terrain", "Field sales", "🚗"),
):
    register_channel(*_channel)


@dataclass(frozen=True)
class InteractionType:
    name: str
    nature: str
    #: None: the direction tells (an inbound call is the customer's, an outbound one ours).
    initiative: str | None
    #: None: the type does not tell (a call, a message): the phase comes from the customer's
    #: purchases (see :func:`derive_phase`).
    phase: str | None
    label_fr: str
    label_en: str


TYPES: dict[str, InteractionType] = {}


def register_type(
    name: str,
    nature: str,
    initiative: str | None,
    phase: str | None,
    label_fr: str,
    label_en: str,
) -> InteractionType:
    if (
        nature not in NATURES
        or initiative not in (*INITIATIVES, None)
        or phase
        not in (
            *PHASES,
            None,
        )
    ):
        raise ValueError(f"invalid defaults for interaction type {name!r}")
    kind = InteractionType(name, nature, initiative, phase, label_fr, label_en)
    TYPES[name] = kind
    return kind


for _type in (
    ("page_view", "informative", "pull", "before", "Page vue", "Page view"),
    ("product_view", "informative", "pull", "before", "Produit consulté", "Product viewed"),
    ("search", "informative", "pull", "before", "Recherche", "Search"),
    ("store_visit", "informative", "pull", "before", "Visite en magasin", "Store visit"),
    ("quote", "transactional", "pull", "before", "Devis", "Quote"),
    ("cart", "transactional", "pull", "during", "Panier", "Cart"),
    ("order", "transactional", "pull", "during", "Commande", "Order"),
    ("purchase", "transactional", "pull", "during", "Achat", "Purchase"),
    ("click_collect", "transactional", "pull", "during", "Click & collect", "Click & collect"),
    ("delivery", "transactional", "push", "after", "Livraison", "Delivery"),
    ("return", "transactional", "pull", "after", "Retour", "Return"),
    ("complaint", "informative", "pull", "after", "Réclamation", "Complaint"),
    ("after_sales", "informative", "pull", "after", "SAV", "After-sales request"),
    ("survey_response", "informative", "pull", "after", "Réponse à une enquête", "Survey answer"),
    ("call", "informative", None, None, "Appel", "Call"),
    ("message", "informative", None, None, "Message", "Message"),
    ("callback_request", "informative", "pull", None, "Demande de rappel", "Call-back request"),
    ("email_sent", "informative", "push", None, "E-mail envoyé", "E-mail sent"),
    ("email_open", "informative", "push", None, "E-mail ouvert", "E-mail opened"),
    ("email_click", "informative", "push", None, "Clic dans un e-mail", "E-mail click"),
    ("sms_sent", "informative", "push", None, "SMS envoyé", "SMS sent"),
    ("coupon", "informative", "push", "before", "Bon de réduction", "Coupon"),
    ("login", "informative", "pull", None, "Connexion", "Sign-in"),
    ("wifi_signup", "informative", "pull", "before", "Inscription Wi-Fi", "Wi-Fi sign-up"),
):
    register_type(*_type)

#: Types that are a purchase, for the phase rule and the statistics.
PURCHASE_TYPES = frozenset({"order", "purchase", "click_collect"})
#: After a purchase, interactions of a type that does not tell its phase count as "after" for
#: this many days (delivery questions, set-up help, the first complaint); otherwise "before".
AFTER_PURCHASE_DAYS = 30


def derive_phase(type_name: str, days_since_last_purchase: float | None) -> str:
    """The phase of an interaction whose sender did not give one.

    The type decides when it can (a product view is before, an order during, a return after);
    otherwise a contact within ``AFTER_PURCHASE_DAYS`` after the customer's last purchase is
    "after", any other "before" (an anonymous visitor has, as far as we know, not bought yet).
    """
    kind = TYPES.get(type_name)
    if kind is not None and kind.phase is not None:
        return kind.phase
    if (
        days_since_last_purchase is not None
        and 0 <= days_since_last_purchase <= AFTER_PURCHASE_DAYS
    ):
        return "after"
    return "before"
