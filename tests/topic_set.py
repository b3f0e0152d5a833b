"""A labelled set for the feed topic rule: articles about Azerbaijan–China relations (True)
and ones that are not (False), in English, Russian, Azerbaijani and Chinese, with near misses
both ways. `bench/topic.py` prints the rule's precision and recall on it."""

from __future__ import annotations

LABELLED: list[tuple[str, str, bool]] = [
    # on topic, every language and many name forms
    ("Solar deal", "Azerbaijan and China signed a solar agreement in Baku.", True),
    ("Trains", "Container trains from Xi'an reached Baku in eleven days.", True),
    ("Visit", "President Aliyev met Xi Jinping in Beijing on Tuesday.", True),
    ("Trade", "Azerbaijani exports to Chinese markets grew by a fifth.", True),
    ("Students", "Chinese students arrived in Ganja for a year of study.", True),
    ("Buses", "China's BYD will build electric buses in Sumgayit with Azerbaijani firms.", True),
    ("Embassy", "The Chinese embassy in Baku opened a visa centre.", True),
    ("Corridor", "Shanghai logistics firms eye the Middle Corridor through Azerbaijan.", True),
    ("Поезд", "Грузовой поезд из Сианя прибыл в Баку; Китай расширяет перевозки.", True),
    ("Визит", "Алиев встретился с Си Цзиньпином в Пекине.", True),
    ("Торговля", "Товарооборот Азербайджана и Китая вырос на 20%.", True),
    ("Энергия", "Китайские компании построят солнечные станции в Азербайджане.", True),
    ("Viza", "Azərbaycan Çin vətəndaşları üçün vizanı ləğv etdi.", True),
    ("Ticarət", "Bakı ilə Pekin arasında ticarət artır.", True),
    ("Səfər", "Əliyev Çinə rəsmi səfərə gedib.", True),
    ("签证", "阿塞拜疆对中国公民免签。", True),
    ("访问", "阿利耶夫总统访问北京，会见习近平。", True),
    ("贸易", "中国与阿塞拜疆贸易额增长两成。", True),
    ("铁路", "从西安出发的中欧班列抵达巴库，中方表示将增加班次。", True),
    ("Wine", "Azerbaijani wine makers showed their vintages at a fair in Shanghai.", True),
    # off topic: one country, neither, or a near miss
    ("Rain", "Heavy rain fell over Tbilisi on Monday.", False),
    ("Caspian", "Azerbaijan and Kazakhstan agreed on a Caspian ferry schedule.", False),
    ("Armenia", "China and Armenia discussed a new highway near Yerevan.", False),
    ("Turkey", "Azerbaijan and Turkey held joint exercises near Nakhchivan.", False),
    ("Yuan", "China's central bank cut its lending rate.", False),
    ("Oil", "Baku oil prices rose after the OPEC meeting.", False),
    ("Москва", "Москва и Баку обсудили транзит через Дагестан.", False),
    ("Пекин", "Пекин и Москва подписали газовый контракт.", False),
    ("Futbol", "Qarabağ Bakıda Avropa matçını qazandı.", False),
    ("天气", "北京明天有雨。", False),
    ("Chess", "A chess tournament in Baku drew players from Norway and India.", False),
    ("Porcelain", "A museum in Baku showed fine china from Meissen.", False),
    ("Corridor east", "The Baku port will handle Chinese cargo bound for Europe.", True),
    (
        "Unnamed",
        "Freight from the east reached the Alat port near the Azerbaijani capital.",
        False,
    ),
    ("Silk Road", "Beijing's Belt and Road projects slowed in Central Asia.", False),
    ("Georgia", "Georgia and China signed a free-trade protocol in Tbilisi.", False),
]
