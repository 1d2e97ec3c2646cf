"""A realistic brewery's data for the Ekos simulator, and the home platform's view of it.

`generate(seed)` is deterministic: the same seed gives the same records byte for byte. It
returns both sides of a guided setup:

- `ekos`: the brewery's records as the Ekos API serves them (contract shape), per resource;
- `home`: what the home platform (Kegshoe) already holds, in the matcher's record shape
  (see contracts/matching-cli.md): near-duplicates of most Ekos records (abbreviations,
  typos, coordinates moved by up to ~100 m, missing phones), plus some home-only records;
- `gold`: the true Ekos id -> home id pairs, so demos and tests can score a matcher.

Ekos records without a home twin are the ones a setup should create. Home batches point
at home product ids (the home platform's own keys); Ekos batches point at Ekos product
ids, so a batch import must translate through the product mappings first.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

RESOURCES = ("customer-locations", "storage-locations", "products", "product-batches")

# Default sizes keep a full demo import to a few seconds.
DEFAULT_SIZES = {
    "customer-locations": 300,
    "storage-locations": 40,
    "products": 150,
    "product-batches": 2000,
}

EPOCH = datetime(2026, 1, 5, 8, 0, 0, tzinfo=UTC)

# Home-platform id prefixes, one per resource so the four id spaces never collide.
HOME_PREFIX = {
    "customer-locations": "k-cust",
    "storage-locations": "k-stor",
    "products": "k-prod",
    "product-batches": "k-batc",
}

# city, state, postal prefix, area code, lat, lon
CITIES = [
    ("Portland", "OR", "972", "503", 45.5152, -122.6784),
    ("Seattle", "WA", "981", "206", 47.6062, -122.3321),
    ("Denver", "CO", "802", "303", 39.7392, -104.9903),
    ("Boulder", "CO", "803", "720", 40.0150, -105.2705),
    ("San Diego", "CA", "921", "619", 32.7157, -117.1611),
    ("Sacramento", "CA", "958", "916", 38.5816, -121.4944),
    ("Asheville", "NC", "288", "828", 35.5951, -82.5515),
    ("Grand Rapids", "MI", "495", "616", 42.9634, -85.6681),
    ("Milwaukee", "WI", "532", "414", 43.0389, -87.9065),
    ("Chicago", "IL", "606", "312", 41.8781, -87.6298),
    ("Austin", "TX", "787", "512", 30.2672, -97.7431),
    ("Burlington", "VT", "054", "802", 44.4759, -73.2121),
    ("Richmond", "VA", "232", "804", 37.5407, -77.4360),
    ("Minneapolis", "MN", "554", "612", 44.9778, -93.2650),
    ("Fort Collins", "CO", "805", "970", 40.5853, -105.0844),
    ("Bend", "OR", "977", "541", 44.0582, -121.3153),
]

STREETS = [
    "Main",
    "Oak",
    "Maple",
    "Pine",
    "Cedar",
    "Elm",
    "Washington",
    "Lincoln",
    "Jefferson",
    "Madison",
    "Park",
    "Lake",
    "Hill",
    "River",
    "Spring",
    "Church",
    "Market",
    "Water",
    "Mill",
    "Broadway",
    "Division",
    "Burnside",
    "Alberta",
    "Hawthorne",
    "Belmont",
    "Colfax",
    "Tennyson",
    "Pearl",
    "Walnut",
    "Chestnut",
    "Union",
    "Grand",
    "Franklin",
]
STREET_TYPES = [
    ("Street", "St"),
    ("Avenue", "Ave"),
    ("Boulevard", "Blvd"),
    ("Road", "Rd"),
    ("Drive", "Dr"),
    ("Lane", "Ln"),
    ("Place", "Pl"),
]
DIRECTIONS = [
    ("North", "N"),
    ("South", "S"),
    ("East", "E"),
    ("West", "W"),
    ("Northeast", "NE"),
    ("Southeast", "SE"),
]

BAR_FIRST = [
    "Rusty",
    "Golden",
    "Copper",
    "Iron",
    "Lucky",
    "Crooked",
    "Salty",
    "Blue",
    "Red",
    "Black",
    "Silver",
    "Wild",
    "Hidden",
    "Old",
    "Happy",
    "Thirsty",
    "Jolly",
    "Drunken",
    "Laughing",
    "Sleepy",
    "Howling",
    "Brass",
    "Velvet",
    "Cosmic",
    "Mossy",
    "Foggy",
]
BAR_SECOND = [
    "Anchor",
    "Goat",
    "Fox",
    "Owl",
    "Barrel",
    "Tap",
    "Lantern",
    "Stag",
    "Crow",
    "Bear",
    "Badger",
    "Otter",
    "Pint",
    "Hop",
    "Kettle",
    "Compass",
    "Mule",
    "Raven",
    "Heron",
    "Pelican",
    "Moose",
    "Elk",
    "Thistle",
    "Harbor",
    "Porch",
    "Duck",
]
KINDS = [
    ("Tavern", 3),
    ("Pub", 3),
    ("Taproom", 2),
    ("Bar & Grill", 2),
    ("Saloon", 1),
    ("Kitchen", 2),
    ("Bistro", 1),
    ("Pizzeria", 2),
    ("Bottle Shop", 2),
    ("Beer Garden", 1),
    ("Alehouse", 1),
    ("Market", 1),
    ("Tap House", 2),
    ("Lounge", 1),
]
OWNER_SURNAMES = [
    "Miller",
    "Johnson",
    "Garcia",
    "Nguyen",
    "Patel",
    "Kowalski",
    "O'Brien",
    "Schmidt",
    "Rossi",
    "Larsen",
    "Okafor",
    "Hernandez",
    "Sato",
    "Murphy",
    "Fischer",
    "Dubois",
]

BEERS = [
    ("Hazy Daze", "IPA"),
    ("Cascade Crush", "Pale Ale"),
    ("Midnight Oil", "Stout"),
    ("Harvest Moon", "Amber Ale"),
    ("Golden Hour", "Pilsner"),
    ("Rip Current", "Double IPA"),
    ("Sour Patch", "Gose"),
    ("Dunkel Dan", "Dunkel"),
    ("Whistle Pig", "Porter"),
    ("Lemon Drop", "Wheat Ale"),
    ("Timberline", "Red IPA"),
    ("Saison du Jour", "Saison"),
    ("Kolsch Me Maybe", "Kolsch"),
    ("Barrel Fox", "Imperial Stout"),
    ("Summit Haze", "NEIPA"),
    ("Brown Bear", "Brown Ale"),
    ("Lager Town", "Helles Lager"),
    ("Pils Bury", "Czech Pilsner"),
    ("Cherry Bomb", "Fruited Sour"),
    ("Oktoberfest", "Marzen"),
    ("Snowpack", "Winter Warmer"),
    ("Citra Sun", "Session IPA"),
    ("Black Butte", "Schwarzbier"),
    ("Belgian Wit", "Witbier"),
    ("Tripel Threat", "Tripel"),
    ("Mango Tango", "Fruit IPA"),
    ("Cold Brew", "Coffee Porter"),
    ("Bock Star", "Bock"),
    ("Rye Not", "Rye Pale Ale"),
    ("Scotch Mist", "Scotch Ale"),
]
PACKAGES = [
    ("1/2 bbl keg", "HB", "Half Barrel Keg", "keg"),
    ("1/6 bbl keg", "SX", "Sixtel Keg", "keg"),
    ("1/4 bbl keg", "QB", "Quarter Barrel Keg", "keg"),
    ("12oz can 6-pack", "C6", "12 oz Can 6pk", "case"),
    ("16oz can 4-pack", "C4", "16 oz Can 4pk", "case"),
]
BREWERY = ("Cascade Foothills Brewing Company", "Cascade Foothills Brewing Co")

STORAGE_KINDS = [
    ("warehouse", "Warehouse"),
    ("cold_room", "Cold Room"),
    ("taproom", "Taproom"),
    ("other", "Distribution Dock"),
]


@dataclass
class Dataset:
    """Both sides of a guided setup, and the truth about which records are the same."""

    seed: int
    ekos: dict[str, list[dict]] = field(default_factory=dict)
    home: dict[str, list[dict]] = field(default_factory=dict)
    gold: dict[str, dict[str, str]] = field(default_factory=dict)

    def ekos_only(self, resource: str) -> list[str]:
        """Ekos ids (live records) that have no home twin: a setup should create them."""
        matched = self.gold.get(resource, {})
        return [r["id"] for r in self.ekos[resource] if r["id"] not in matched and not r["deleted"]]

    def home_only(self, resource: str) -> list[str]:
        matched = set(self.gold.get(resource, {}).values())
        return [r["id"] for r in self.home[resource] if r["id"] not in matched]


def generate(
    seed: int = 7,
    *,
    sizes: dict[str, int] | None = None,
    scale: float = 1.0,
    duplicate_ratio: float = 0.8,
    home_only_ratio: float = 0.1,
    tombstone_ratio: float = 0.02,
) -> Dataset:
    """The brewery's Ekos records and the home platform's near-duplicates of them.

    `sizes` overrides counts per resource; `scale` multiplies the defaults (0.1 for a tiny
    fixture, 10 for a stress run). `duplicate_ratio` of Ekos records get a home twin;
    `home_only_ratio` (relative to the Ekos count) more home records have no Ekos twin.
    """
    counts = {r: max(1, round(n * scale)) for r, n in DEFAULT_SIZES.items()}
    counts.update(sizes or {})
    rng = random.Random(seed)
    gen = _Generator(rng, duplicate_ratio, home_only_ratio, tombstone_ratio)
    ds = Dataset(seed=seed)
    gen.customers(ds, counts["customer-locations"])
    gen.storage(ds, counts["storage-locations"])
    gen.products(ds, counts["products"])
    gen.batches(ds, counts["product-batches"])
    for resource in RESOURCES:
        ds.ekos[resource].sort(key=lambda r: (r["updated_at"], r["id"]))
    return ds


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


class _Generator:
    def __init__(self, rng: random.Random, dup: float, home_only: float, tomb: float) -> None:
        self.rng, self.dup, self.home_only, self.tomb = rng, dup, home_only, tomb
        self.used_names: set[str] = set()

    # -------------------------------------------------------------- helpers
    def _updated_at(self) -> str:
        return _iso(EPOCH + timedelta(seconds=self.rng.randrange(0, 90 * 86400)))

    def _address(self, city: tuple) -> dict:
        rng = self.rng
        name, state, zip_prefix, _area, _lat, _lon = city
        street = rng.choice(STREETS)
        stype = rng.choice(STREET_TYPES)[0]
        line1 = f"{rng.randrange(10, 9899)} {street} {stype}"
        if rng.random() < 0.3:
            line1 = f"{rng.randrange(10, 9899)} {rng.choice(DIRECTIONS)[0]} {street} {stype}"
        line2 = f"Suite {rng.randrange(100, 450)}" if rng.random() < 0.12 else None
        return {
            "line1": line1,
            "line2": line2,
            "city": name,
            "state": state,
            "postal_code": f"{zip_prefix}{rng.randrange(0, 100):02d}",
            "country": "US",
        }

    def _point(self, city: tuple, spread_km: float = 8.0) -> tuple[float, float]:
        rng = self.rng
        lat0, lon0 = city[4], city[5]
        dlat = rng.uniform(-spread_km, spread_km) / 111.0
        dlon = rng.uniform(-spread_km, spread_km) / (111.0 * math.cos(math.radians(lat0)))
        return round(lat0 + dlat, 6), round(lon0 + dlon, 6)

    def _phone(self, city: tuple) -> str:
        return f"({city[3]}) {self.rng.randrange(200, 999)}-{self.rng.randrange(0, 10000):04d}"

    def _venue_name(self) -> str:
        rng = self.rng
        kinds, weights = zip(*KINDS, strict=True)
        for _ in range(50):
            if rng.random() < 0.2:
                name = f"{rng.choice(OWNER_SURNAMES)}'s {rng.choices(kinds, weights)[0]}"
            else:
                name = f"The {rng.choice(BAR_FIRST)} {rng.choice(BAR_SECOND)}"
                if rng.random() < 0.5:
                    name = f"{name} {rng.choices(kinds, weights)[0]}"
                elif rng.random() < 0.5:
                    name = name.removeprefix("The ")
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        return f"{name} #{len(self.used_names)}"

    def _typo(self, text: str) -> str:
        """One keyboard slip: swap, drop or double a letter (never the first)."""
        rng = self.rng
        letters = [i for i, c in enumerate(text) if c.isalpha() and i > 0]
        if len(letters) < 4:
            return text
        i = rng.choice(letters[:-1])
        op = rng.randrange(3)
        if op == 0 and i + 1 < len(text):
            return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        if op == 1:
            return text[:i] + text[i + 1 :]
        return text[:i] + text[i] + text[i:]

    def _abbreviate(self, line1: str) -> str:
        for full, short in STREET_TYPES + DIRECTIONS:
            if f" {full}" in line1 and self.rng.random() < 0.8:
                line1 = line1.replace(f" {full}", f" {short}", 1)
        return line1

    def _moved(self, lat: float, lon: float, max_m: float = 100.0) -> tuple[float, float]:
        rng = self.rng
        dist, bearing = rng.uniform(0, max_m), rng.uniform(0, 2 * math.pi)
        dlat = dist * math.cos(bearing) / 111_320.0
        dlon = dist * math.sin(bearing) / (111_320.0 * math.cos(math.radians(lat)))
        return round(lat + dlat, 6), round(lon + dlon, 6)

    def _home_location(self, home_id: str, rec: dict) -> dict:
        """A home-platform near-duplicate of an Ekos location, in the matcher's shape."""
        rng = self.rng
        addr = rec["address"]
        name = rec["name"]
        if rng.random() < 0.25:
            name = self._typo(name)
        if rng.random() < 0.15:
            name = name.removeprefix("The ") if name.startswith("The ") else f"The {name}"
        if rng.random() < 0.1:
            name = name.upper()
        name = name.replace("&", "and") if rng.random() < 0.5 else name
        line1 = addr["line1"]
        line1 = self._abbreviate(line1) if rng.random() < 0.6 else line1
        if rng.random() < 0.1:
            line1 = self._typo(line1)
        address = line1 if not addr["line2"] or rng.random() < 0.5 else f"{line1}, {addr['line2']}"
        lat, lon = rec["lat"], rec["lon"]
        if lat is not None and rng.random() < 0.7:
            lat, lon = self._moved(lat, lon)
        if rng.random() < 0.08:
            lat = lon = None
        phone = rec.get("phone")
        if phone and rng.random() < 0.25:
            phone = None
        elif phone and rng.random() < 0.4:
            phone = phone.replace("(", "").replace(") ", "-")
        postal = addr["postal_code"]
        if rng.random() < 0.1:
            postal = f"{postal}-{rng.randrange(1000, 9999)}"
        return {
            "id": home_id,
            "name": name,
            "address": address,
            "city": addr["city"],
            "state": addr["state"],
            "postal_code": postal,
            "country": "US" if rng.random() < 0.8 else "USA",
            "phone": phone,
            "website": None,
            "lat": lat,
            "lon": lon,
        }

    def _home_location_fresh(self, home_id: str, name: str) -> dict:
        city = self.rng.choice(CITIES)
        addr = self._address(city)
        lat, lon = self._point(city)
        return {
            "id": home_id,
            "name": name,
            "address": addr["line1"],
            "city": addr["city"],
            "state": addr["state"],
            "postal_code": addr["postal_code"],
            "country": "US",
            "phone": self._phone(city) if self.rng.random() < 0.7 else None,
            "website": None,
            "lat": lat,
            "lon": lon,
        }

    def _pair_or_not(self, ds: Dataset, resource: str, ekos_rec: dict, make_home) -> None:
        if ekos_rec["deleted"] or self.rng.random() >= self.dup:
            return
        home_id = self._home_id(ds, resource)
        ds.home[resource].append(make_home(home_id, ekos_rec))
        ds.gold[resource][ekos_rec["id"]] = home_id

    def _home_id(self, ds: Dataset, resource: str) -> str:
        return f"{HOME_PREFIX[resource]}-{len(ds.home[resource]) + 1:05d}"

    def _start(self, ds: Dataset, resource: str) -> None:
        ds.ekos[resource], ds.home[resource], ds.gold[resource] = [], [], {}

    def _shuffle_home(self, ds: Dataset, resource: str) -> None:
        self.rng.shuffle(ds.home[resource])

    # -------------------------------------------------------------- resources
    def customers(self, ds: Dataset, n: int) -> None:
        res = "customer-locations"
        self._start(ds, res)
        rng = self.rng
        for i in range(n):
            city = rng.choice(CITIES)
            name = self._venue_name()
            lat, lon = self._point(city)
            rec = {
                "id": f"cl-{1000 + i}",
                "updated_at": self._updated_at(),
                "deleted": rng.random() < self.tomb,
                "name": name,
                "customer_name": (
                    f"{name.removeprefix('The ')} LLC"
                    if rng.random() < 0.7
                    else f"{rng.choice(OWNER_SURNAMES)} Hospitality Group"
                ),
                "address": self._address(city),
                "lat": lat if rng.random() < 0.95 else None,
                "lon": lon,
                "phone": self._phone(city) if rng.random() < 0.85 else None,
                "email": f"orders@{name.lower().replace(' ', '').replace("'", '').replace('&', '')}.com",
            }
            if rec["lat"] is None:
                rec["lon"] = None
            ds.ekos[res].append(rec)
            self._pair_or_not(ds, res, rec, self._home_location)
        for _ in range(round(n * self.home_only)):
            hid = self._home_id(ds, res)
            ds.home[res].append(self._home_location_fresh(hid, self._venue_name()))
        self._shuffle_home(ds, res)

    def storage(self, ds: Dataset, n: int) -> None:
        res = "storage-locations"
        self._start(ds, res)
        rng = self.rng
        for i in range(n):
            city = CITIES[i % len(CITIES)]
            kind, label = (
                STORAGE_KINDS[i % len(STORAGE_KINDS)] if i < 8 else rng.choice(STORAGE_KINDS)
            )
            number = i // len(CITIES) + 1
            name = f"{city[0]} {label}" + (f" {number}" if number > 1 else "")
            lat, lon = self._point(city, spread_km=12)
            rec = {
                "id": f"sl-{100 + i}",
                "updated_at": self._updated_at(),
                "deleted": False,
                "name": name,
                "kind": kind,
                "address": self._address(city),
                "lat": lat,
                "lon": lon,
            }
            ds.ekos[res].append(rec)

            def home(home_id: str, r: dict) -> dict:
                h = self._home_location(home_id, {**r, "phone": None})
                if rng.random() < 0.4:
                    h["name"] = h["name"].replace("Cold Room", "Cooler").replace("Warehouse", "WH")
                return h

            self._pair_or_not(ds, res, rec, home)
        for j in range(max(1, round(n * self.home_only))):
            city = rng.choice(CITIES)
            hid = self._home_id(ds, res)
            ds.home[res].append(self._home_location_fresh(hid, f"{city[0]} Overflow Lot {j + 1}"))
        self._shuffle_home(ds, res)

    def products(self, ds: Dataset, n: int) -> None:
        res = "products"
        self._start(ds, res)
        rng = self.rng
        combos = [(b, p) for b in BEERS for p in PACKAGES]
        i = 0
        while i < n:
            (beer, style), (package, code, home_pkg, _unit) = combos[i % len(combos)]
            generation = i // len(combos)
            initials = "".join(w[0] for w in beer.split()).upper()
            sku = f"CFB-{initials}{len(beer) % 10}-{code}" + (
                f"-{generation}" if generation else ""
            )
            name = f"{beer} {style} - {package}" + (f" (v{generation + 1})" if generation else "")
            rec = {
                "id": f"p-{500 + i}",
                "updated_at": self._updated_at(),
                "deleted": rng.random() < self.tomb,
                "name": name,
                "sku": sku,
                "brand": BREWERY[0],
                "style": style,
                "package": package,
                "active": rng.random() < 0.92,
            }
            ds.ekos[res].append(rec)

            def home(home_id: str, r: dict, beer=beer, style=style, home_pkg=home_pkg) -> dict:
                hname = f"{beer} {style} {home_pkg}" if rng.random() < 0.5 else r["name"]
                if rng.random() < 0.15:
                    hname = self._typo(hname)
                hsku = r["sku"]
                if rng.random() < 0.3:
                    hsku = hsku.replace("-", "")
                elif rng.random() < 0.1:
                    hsku = hsku.lower()
                elif rng.random() < 0.1:
                    hsku = None
                return {
                    "id": home_id,
                    "name": hname,
                    "brand": BREWERY[1] if rng.random() < 0.6 else BREWERY[0],
                    "sku": hsku,
                    "description": f"{style}, {r['package']}",
                    "price": None,
                    "category": style,
                }

            self._pair_or_not(ds, res, rec, home)
            i += 1
        for j in range(round(n * self.home_only)):
            hid = self._home_id(ds, res)
            ds.home[res].append(
                {
                    "id": hid,
                    "name": f"Guest Tap Cider {j + 1} Sixtel Keg",
                    "brand": "Orchard Hill Cider",
                    "sku": f"OHC-{j + 1:03d}-SX",
                    "description": "Cider, 1/6 bbl keg",
                    "price": None,
                    "category": "Cider",
                }
            )
        self._shuffle_home(ds, res)

    def batches(self, ds: Dataset, n: int) -> None:
        res = "product-batches"
        self._start(ds, res)
        rng = self.rng
        products = [p for p in ds.ekos["products"] if not p["deleted"]]
        product_gold = ds.gold["products"]
        home_products = {h["id"]: h for h in ds.home["products"]}
        for i in range(n):
            product = rng.choice(products)
            brewed = EPOCH - timedelta(days=rng.randrange(0, 400), hours=rng.randrange(0, 12))
            packaged = brewed + timedelta(days=rng.randrange(10, 35))
            keg = "keg" in product["package"]
            lot = f"L{brewed:%y%j}-{i % 1000:03d}{chr(65 + i // 1000 % 26)}"
            rec = {
                "id": f"pb-{10000 + i}",
                "updated_at": self._updated_at(),
                "deleted": rng.random() < self.tomb,
                "lot_code": lot,
                "product_id": product["id"],
                "brewed_at": _iso(brewed),
                "packaged_at": _iso(packaged),
                "quantity": rng.randrange(4, 60) if keg else rng.randrange(20, 400),
                "unit": "keg" if keg else "case",
            }
            ds.ekos[res].append(rec)
            home_product = product_gold.get(product["id"])
            if home_product is None:
                continue  # its product does not exist at home yet: the batch is Ekos-only

            def home(home_id: str, r: dict, hp=home_product) -> dict:
                lot_code = r["lot_code"]
                if rng.random() < 0.2:
                    lot_code = lot_code.replace("-", "")
                elif rng.random() < 0.1:
                    lot_code = lot_code.lower()
                quantity = (
                    r["quantity"] if rng.random() < 0.85 else r["quantity"] - rng.randrange(1, 4)
                )
                return {
                    "id": home_id,
                    "lot_code": lot_code,
                    "product_id": hp,
                    "name": home_products[hp]["name"],
                    "produced_at": r["brewed_at"] if rng.random() < 0.7 else r["packaged_at"][:10],
                    "quantity": quantity,
                }

            self._pair_or_not(ds, res, rec, home)
        home_product_ids = sorted(home_products)
        for j in range(round(n * self.home_only)):
            hp = rng.choice(home_product_ids)
            day = EPOCH - timedelta(days=rng.randrange(400, 700))
            ds.home[res].append(
                {
                    "id": self._home_id(ds, res),
                    "lot_code": f"OLD-{day:%y%j}-{j:03d}",
                    "product_id": hp,
                    "name": home_products[hp]["name"],
                    "produced_at": _iso(day),
                    "quantity": rng.randrange(4, 60),
                }
            )
        self._shuffle_home(ds, res)
