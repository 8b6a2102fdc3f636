"""工作室 studios on one shared database (SQLite and PostgreSQL): two consoles of two studios live at once never see
or touch each other's catalogue, coupons, FAQ or sessions; the manager's view lists them all; a database from
before studios is upgraded with everything in the default studio and nothing lost."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from sqlalchemy import select, text

from app.catalogue import Catalogue, load_faqs
from app.kernel.events import Event, EventType as T
from app.orders import import_orders
from app.review import list_sessions, load_review
from app.session import SessionCore
from app.store import StoreUnavailable
from app.store.db import Database, current_revision, make_engine, studio_name, upgrade
from app.store.eventlog import load_events
from app.store.models import DEFAULT_STUDIO_ID, Coupon, Product
from tests.test_orders import at, douyin_csv

HEAD = "0013"


@pytest.fixture
def two_studios(store_url):
    one, two = Database(store_url, studio="一号直播间"), Database(store_url, studio="二号直播间")
    yield one, two
    one.close()
    two.close()


def skus(database) -> dict[str, tuple[int, int]]:
    """SKU → (id, live price) of the products the database's studio sees."""
    with database.session() as db:
        return {p.sku: (p.id, p.live_price_cents)
                for p in db.scalars(select(Product).where(Product.studio_id == database.studio_id))}


def test_each_studio_has_its_own_catalogue_coupons_and_faq(two_studios, tmp_path):
    one, two = two_studios
    assert one.studio_id != two.studio_id and DEFAULT_STUDIO_ID not in (one.studio_id, two.studio_id)
    first, second = Catalogue(one), Catalogue(two)  # each fresh studio gets the sample catalogue, same SKUs
    assert set(skus(one)) == set(skus(two)) and not set(p for p, _ in skus(one).values()) & set(
        p for p, _ in skus(two).values())
    path = tmp_path / "price.csv"
    path.write_text("商品编码,商品名称,原价,直播价,库存,常见问题\nCUP-500,保温杯,159,59,300,赠品=送杯刷\n",
                    encoding="utf-8")
    assert first.import_csv(path) == 1
    assert skus(one)["CUP-500"][1] == 5900 and skus(two)["CUP-500"][1] == 8900  # the other studio's price stays
    cup_one, cup_two = skus(one)["CUP-500"][0], skus(two)["CUP-500"][0]
    assert [f.topic for f in first.faqs(cup_one)] == ["赠品"]
    assert [f.topic for f in second.faqs(cup_two)] == ["容量", "保温", "颜色"]
    first.save_faqs(None, [("营业", "几点下播", "每晚十点下播")])
    assert [f.topic for f in first.faqs(None)] == ["营业"] and len(second.faqs(None)) == 5
    assert all(f.product_id in (None, *[p for p, _ in skus(two).values()]) for f in load_faqs(two))
    # one studio's ids are as good as missing to the other
    with pytest.raises(KeyError):
        second.save_script(cup_one, [("opening", "别人的商品")])
    with pytest.raises(Exception, match="unknown product"):
        second.save_faqs(cup_one, [("尺码", "尺码", "均码")])
    coupon_one = first.room_snapshot().state.coupons
    new_id, _ = second.save_coupon({"name": "二号间专享", "kind": "no_threshold", "discount_cents": 300,
                                    "quantity": 10}, coupon_id=next(iter(coupon_one)))
    assert new_id not in coupon_one  # editing another studio's coupon by id makes a new one of its own instead
    second.changed()
    assert {c.name for c in second.room_snapshot().state.coupons.values()} >= {"二号间专享"}
    assert "二号间专享" not in {c.name for c in Catalogue(one).room_snapshot().state.coupons.values()}
    with one.session() as db:
        assert db.get(Coupon, next(iter(coupon_one))).name == "满199减30"


def test_two_studios_live_at_once_keep_their_sessions_apart(two_studios, tmp_path):
    one, two = two_studios
    Catalogue(one), Catalogue(two)
    cores = [SessionCore(one), SessionCore(two)]
    ids = [core.start(f"{name}专场", kind="live") for core, name in zip(cores, ("一号", "二号"))]

    def sell(core: SessionCore, user: str, count: int) -> None:
        product = core.room.snapshot().state.run_sheet[0]
        for i in range(count):
            core.bus.publish(Event(T.ORDER, {"user_id": f"{user}{i}", "order_id": f"{user}-{i}",
                                             "product_id": product, "quantity": 1, "amount_cents": 100}))

    threads = [threading.Thread(target=sell, args=(core, name, n)) for core, name, n in
               zip(cores, ("甲", "乙"), (30, 20))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for core in cores:
        core.end()

    assert [s.id for s in list_sessions(one)] == [ids[0]] and [s.id for s in list_sessions(two)] == [ids[1]]
    assert list_sessions(one)[0].studio == "一号直播间"
    with pytest.raises(KeyError):
        load_review(one, ids[1])
    assert load_review(one, ids[0]).metrics.orders == 30 and load_review(two, ids[1]).metrics.orders == 20
    manager = Database(one.url)  # the manager's view, from the default studio
    try:
        everything = list_sessions(manager, all_studios=True)
        assert [(s.id, s.studio) for s in everything] == [(ids[1], "二号直播间"), (ids[0], "一号直播间")]
        assert list_sessions(manager) == [] and load_review(manager, ids[1], any_studio=True).metrics.orders == 20
    finally:
        manager.close()
    export = tmp_path / "orders.csv"
    douyin_csv(export, [("B1", "3612345678901", "保温杯", 1, "89.00", at(1), at(1.1), "已完成", "")])
    with pytest.raises(KeyError):  # an order export is never added to another studio's show
        import_orders(one, ids[1], export)
    assert len([e for e in load_events(two, ids[1]) if e.type == T.ORDER]) == 20


def test_a_database_from_before_studios_keeps_everything_in_the_default_studio(store_url):
    engine = make_engine(store_url)
    upgrade(engine, "0007")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO products (sku, title, category, list_price_cents, live_price_cents, stock,"
                          " image, selling_points) VALUES ('OLD-1', '老商品', '', 100, 90, 3, '', '[]')"))
        pid = conn.execute(text("SELECT id FROM products WHERE sku='OLD-1'")).scalar()
        conn.execute(text("INSERT INTO scripts (product_id, title) VALUES (:p, '老话术')"), {"p": pid})
        conn.execute(text("INSERT INTO faqs (product_id, position, topic, keywords, answer) "
                          "VALUES (:p, 0, '尺码', '[\"尺码\"]', '均码')"), {"p": pid})
        conn.execute(text("INSERT INTO coupons (name, kind, threshold_cents, discount_cents, rate, quantity, "
                          "product_skus) VALUES ('老券', 'no_threshold', 0, 100, 1.0, 5, '[]')"))
        conn.execute(text("INSERT INTO sessions (title, run_sheet, destinations, recording_path, status, kind) "
                          "VALUES ('老场次', '[]', '[]', '', 'ended', 'live')"))
    engine.dispose()

    database = Database(store_url)  # what the app does at start-up
    try:
        assert current_revision(database.engine) == HEAD
        assert (database.studio_id, database.studio) == (DEFAULT_STUDIO_ID, "默认工作室")
        with database.engine.connect() as conn:
            for table in ("products", "coupons", "faqs", "sessions"):
                assert conn.execute(text(f"SELECT studio_id FROM {table}")).scalars().all() == [DEFAULT_STUDIO_ID]
            # SQLite rebuilt `products` to change its unique key: its script and FAQ pair were not cascaded away
            assert conn.execute(text("SELECT count(*) FROM scripts")).scalar() == 1
            assert conn.execute(text("SELECT answer FROM faqs")).scalar() == "均码"
        assert [s.title for s in list_sessions(database)] == ["老场次"]
        catalogue = Catalogue(database)  # the default studio is not empty: no sample added
        assert [title for _, title in catalogue.products()] == ["老商品"]
        other = Database(store_url, studio="新间")
        try:
            with other.sessions.begin() as db:  # the same SKU in another studio is allowed; twice in one is not
                db.add(Product(studio_id=other.studio_id, sku="OLD-1", title="新间的", list_price_cents=1,
                               live_price_cents=1, stock=1))
            with pytest.raises(Exception, match="(?i)unique|duplicate"):
                with other.sessions.begin() as db:
                    db.add(Product(studio_id=other.studio_id, sku="OLD-1", title="重复", list_price_cents=1,
                                   live_price_cents=1, stock=1))
            assert database.studios() == {DEFAULT_STUDIO_ID: "默认工作室", other.studio_id: "新间"}
        finally:
            other.close()
    finally:
        database.close()


def test_the_same_studio_named_by_two_consoles_at_once_is_one_studio(store_url):
    Database(store_url).close()
    found, errors = [], []

    def open_it() -> None:
        try:
            database = Database(store_url, studio="  同一  间 ")
            found.append(database.studio_id)
            database.close()
        except Exception as exc:  # noqa: BLE001 - the test reports it
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and len(found) == 4 and len(set(found)) == 1
    database = Database(store_url)
    assert list(database.studios().values()) == ["默认工作室", "同一 间"]
    database.close()


@pytest.mark.parametrize("typed, expected", [("", None), ("   ", None), (" 一号 ", "一号"), ("a\tb", "a b"),
                                             ("x" * 40, "x" * 40)])
def test_a_studio_name_is_trimmed(typed, expected):
    assert studio_name(typed) == expected


@pytest.mark.parametrize("typed", ["x" * 41, "bad\x00name", "bell\x07"])
def test_a_bad_studio_name_is_one_bilingual_refusal(typed, tmp_path):
    with pytest.raises(ValueError, match="工作室名称.*studio"):
        studio_name(typed)
    with pytest.raises(StoreUnavailable):
        Database(f"sqlite:///{tmp_path / 's.db'}", studio=typed)


def test_the_command_line_works_for_a_studio_and_lists_all_for_a_manager(tmp_path):
    env = {"ANCHOR_CONSOLE_DATA": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}

    def run(*args: str):
        return subprocess.run([sys.executable, "-m", "app", *args], capture_output=True, text=True, env=env,
                              timeout=120)

    url = f"sqlite:///{tmp_path / 'anchor-console.db'}"
    for name, title in (("一号间", "一号的场"), ("二号间", "二号的场")):
        database = Database(url, studio=name)
        core = SessionCore(database)
        Catalogue(database)
        core.start(title)
        core.end()
        database.close()
    mine = run("review", "--studio", "一号间")
    assert mine.returncode == 0 and "一号的场" in mine.stdout and "二号的场" not in mine.stdout
    assert "一号的场" in run("--studio", "一号间", "review").stdout  # before the command as well
    every = run("review", "--all-studios")
    assert every.returncode == 0 and "[一号间]  一号的场" in every.stdout and "[二号间]  二号的场" in every.stdout
    other = run("review", "1", "--studio", "二号间")
    assert other.returncode == 2 and "no session 1" in other.stderr and "Traceback" not in other.stderr
    bad = run("review", "--studio", "x" * 41)
    assert bad.returncode == 2 and "工作室名称" in bad.stderr and "Traceback" not in bad.stderr
