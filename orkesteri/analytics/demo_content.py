"""What the demo posts say: a coffee roastery's texts in English, Finnish and Russian.

Content, not interface: these are the words of the generated posts (orkesteri/analytics/
demo.py), in the language each post is in, so they do not go through gettext. The texts
fill `{origin}`, `{note}`, `{method}`, `{blend}` and `{name}` from WORDS, BLENDS and NAMES.
"""

from __future__ import annotations

from dataclasses import dataclass

BRAND = "Nordic Roastery"
PLACES = ("", "Helsinki", "Café", "Shop", "Academy", "Tampere", "Turku", "Wholesale")
SITE = "https://nordicroastery.example"
LINKS = {
    "Product": f"{SITE}/shop",
    "Education": f"{SITE}/guides",
    "Behind the scenes": f"{SITE}/blog",
    "Community": f"{SITE}/events",
}
BLENDS = ("Helsinki Morning", "Nordic Dark", "Autumn Blend", "Winter Spice")


@dataclass(frozen=True)
class Campaign:
    name: str
    months: tuple[int, ...]
    pillar: str
    link: str
    texts: dict[str, str]  # language: text


CAMPAIGNS = (
    Campaign(
        "Espresso masterclass",
        (3, 4),
        "Education",
        f"{SITE}/masterclass",
        {
            "en": "Espresso masterclass at our roastery: dial in your grinder with our baristas."
            " Sign up through the link.",
            "fi": "Espressokurssi paahtimollamme: säädä mylly kohdalleen baristojemme kanssa."
            " Ilmoittaudu linkistä.",
            "ru": "Мастер-класс по эспрессо на нашей обжарке: настроим кофемолку вместе"
            " с бариста. Запись по ссылке.",
        },
    ),
    Campaign(
        "Summer cold brew",
        (6, 7, 8),
        "Product",
        f"{SITE}/shop/cold-brew",
        {
            "en": "Cold brew season! Our Cold Brew Citrus steeps for 16 hours and tastes"
            " of {note}.",
            "fi": "Cold brew -kausi alkoi! Cold Brew Citrus uuttuu 16 tuntia, ja makuina"
            " on {note}.",
            "ru": "Сезон колд брю! Наш Cold Brew Citrus настаивается 16 часов, во вкусе — {note}.",
        },
    ),
    Campaign(
        "Autumn blend launch",
        (9, 10),
        "Product",
        f"{SITE}/shop/autumn-blend",
        {
            "en": "Autumn Blend is here: {note}, roasted for dark evenings. Order this week"
            " and shipping is free.",
            "fi": "Syyssekoitus on täällä: makuina {note}, paahdettu pimeneviin iltoihin."
            " Tilaa tällä viikolla, niin toimitus on ilmainen.",
            "ru": "Осенний купаж уже здесь: {note}, обжарка для тёмных вечеров. Закажите"
            " на этой неделе — доставка бесплатно.",
        },
    ),
    Campaign(
        "Christmas gift boxes",
        (11, 12),
        "Product",
        f"{SITE}/shop/gift-boxes",
        {
            "en": "Christmas gift boxes are ready: three coffees and a brewing guide. Order by"
            " 18 December for delivery before Christmas.",
            "fi": "Joululahjarasiat ovat valmiina: kolme kahvia ja valmistusopas. Tilaa 18.12."
            " mennessä, niin paketti ehtii ennen joulua.",
            "ru": "Новогодние подарочные наборы готовы: три вида кофе и гид по завариванию."
            " Закажите до 18 декабря, чтобы успеть к празднику.",
        },
    ),
)

TEXTS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "Product": (
            "{blend} is back in the roaster: notes of {note}. Fresh bags ship on Monday.",
            "New in the shop: {origin}, roasted light for filter. Tasting notes: {note}.",
            "Freshly roasted this week: {origin}. Tell us how you brew it!",
        ),
        "Education": (
            "How we brew with a {method}: 15 g of coffee, 250 g of water at 94 °C, three"
            " minutes. Try it and tell us how it went.",
            "Grind size matters: if your coffee tastes bitter, go a step coarser.",
            "Why rest your beans? Fresh coffee gives off CO2 for days: for espresso, wait"
            " 5–7 days after roasting.",
        ),
        "Behind the scenes": (
            "Roast day! In the drum today: {origin}, 12 kg at a time.",
            "Cupping this morning: five new lots, and our favourite tasted of {note}.",
            "Meet the team: {name} has roasted with us for five years and still tastes"
            " every batch.",
        ),
        "Community": (
            "Thank you for 1,000 cups at our pop-up this weekend!",
            "Show us your morning cup: share a photo with #nordicroastery and we will"
            " repost our favourites.",
            "Filter or espresso: which one starts your day? Tell us in the replies!",
        ),
    },
    "fi": {
        "Product": (
            "{blend} on taas paahdossa: makuina {note}. Tuoreet pussit lähtevät maanantaina.",
            "Uutuus verkkokaupassa: {origin}, vaalea paahto suodatinkahviksi. Makuina {note}.",
            "Tämän viikon tuore paahto: {origin}. Kerro, miten sinä sen valmistat!",
        ),
        "Education": (
            "Näin valmistamme kahvin {method}-menetelmällä: 15 g kahvia, 250 g vettä (94 °C),"
            " kolme minuuttia. Kokeile ja kerro, miten onnistui.",
            "Jauhatuksella on väliä: jos kahvi maistuu kitkerältä, kokeile karkeampaa jauhatusta.",
            "Miksi papujen pitää levätä? Tuore kahvi vapauttaa hiilidioksidia päivien ajan:"
            " espressoa varten odota 5–7 päivää paahdosta.",
        ),
        "Behind the scenes": (
            "Paahtopäivä! Tänään rummussa on {origin}, 12 kg kerrallaan.",
            "Aamun kuppauksessa viisi uutta erää. Suosikissamme maistui {note}.",
            "Tutustu tiimiin: {name} on paahtanut kanssamme viisi vuotta ja maistaa yhä"
            " jokaisen erän.",
        ),
        "Community": (
            "Kiitos 1 000 kupista viikonlopun pop-upissa!",
            "Näytä meille aamukuppisi: jaa kuva tunnisteella #nordicroastery, niin jaamme"
            " suosikkimme.",
            "Suodatinkahvi vai espresso: kummalla sinun päiväsi alkaa? Kerro vastauksissa!",
        ),
    },
    "ru": {
        "Product": (
            "{blend} снова в обжарке: ноты — {note}. Свежие пачки отправим в понедельник.",
            "Новинка в магазине: {origin}, светлая обжарка под фильтр. Во вкусе: {note}.",
            "Свежая обжарка этой недели: {origin}. Расскажите, как вы его завариваете!",
        ),
        "Education": (
            "Как мы завариваем в {method}: 15 г кофе, 250 г воды 94 °C, три минуты."
            " Попробуйте и расскажите, что получилось.",
            "Помол важен: если кофе горчит, сделайте помол крупнее.",
            "Зачем зёрнам отдых? Свежий кофе несколько дней выделяет CO2: для эспрессо"
            " подождите 5–7 дней после обжарки.",
        ),
        "Behind the scenes": (
            "День обжарки! Сегодня в барабане {origin}, 12 кг за раз.",
            "Утренний каппинг: пять новых лотов, в нашем любимом — {note}.",
            "Знакомьтесь с командой: {name} обжаривает у нас пять лет и до сих пор пробует"
            " каждую партию.",
        ),
        "Community": (
            "Спасибо за 1000 чашек на нашем поп-апе в выходные!",
            "Покажите вашу утреннюю чашку: отметьте фото #nordicroastery, лучшие мы репостнем.",
            "Фильтр или эспрессо: с чего начинается ваш день? Пишите в комментариях!",
        ),
    },
}
WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "origin": (
            "Ethiopia Yirgacheffe", "Kenya Nyeri", "Colombia Huila", "Brazil Cerrado",
            "Guatemala Antigua", "Rwanda Nyamasheke",
        ),
        "note": (
            "blueberry and jasmine", "milk chocolate and hazelnut", "red apple and caramel",
            "blackcurrant", "brown sugar and plum",
        ),
        "method": ("V60", "AeroPress", "Chemex", "French press"),
        "hashtag": (
            "coffee", "specialtycoffee", "roastery", "pourover", "espresso", "barista",
            "coffeelover", "helsinki",
        ),
    },
    "fi": {
        "origin": (
            "Etiopia Yirgacheffe", "Kenia Nyeri", "Kolumbia Huila", "Brasilia Cerrado",
            "Guatemala Antigua", "Ruanda Nyamasheke",
        ),
        "note": (
            "mustikka ja jasmiini", "maitosuklaa ja hasselpähkinä", "punainen omena ja kinuski",
            "mustaherukka", "fariinisokeri ja luumu",
        ),
        "method": ("V60", "AeroPress", "Chemex"),
        "hashtag": (
            "kahvi", "kahvila", "paahtimo", "specialtycoffee", "espresso", "barista",
            "helsinki",
        ),
    },
    "ru": {
        "origin": (
            "Эфиопия Иргачеффе", "Кения Ньери", "Колумбия Уила", "Бразилия Серрадо",
            "Гватемала Антигуа", "Руанда Ньямашеке",
        ),
        "note": (
            "черника и жасмин", "молочный шоколад и фундук", "красное яблоко и карамель",
            "чёрная смородина", "тростниковый сахар и слива",
        ),
        "method": ("V60", "AeroPress", "Chemex", "френч-пресс"),
        "hashtag": ("кофе", "обжарка", "спешелти", "specialtycoffee", "эспрессо", "бариста"),
    },
}  # fmt: skip
NAMES = ("Aino", "Mikko", "Leena", "Juha", "Sanna")
THREAD_PARTS = {
    "en": ("More on our blog: the link is in our profile.", "Questions? Ask below."),
    "fi": ("Lisää blogissamme: linkki on profiilissa.", "Kysyttävää? Kysy alla."),
    "ru": ("Подробнее в нашем блоге: ссылка в профиле.", "Есть вопросы? Спрашивайте ниже."),
}
