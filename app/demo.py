"""Demo mode (演示模式): the whole console headless — test pattern with live overlays, a simulated audience,
the session core recording every event, a local recording — with no camera, platform or network."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from sqlalchemy import func, select

from app.live.session_core import SessionCore
from app.store.catalog_io import import_csv
from app.store.db import Database
from app.store.models import Coupon, CouponKind, Product, Script, ScriptSection

log = logging.getLogger(__name__)

SAMPLE_CATALOGUE = Path(__file__).resolve().parents[1] / "resources" / "sample" / "catalogue.csv"
SAMPLE_SCRIPTS = SAMPLE_CATALOGUE.with_name("scripts.json")
SAMPLE_COUPONS = [
    dict(name="满199减30", kind=CouponKind.FULL_REDUCTION, threshold_cents=19900, discount_cents=3000, quantity=200),
    dict(name="无门槛5元", kind=CouponKind.NO_THRESHOLD, discount_cents=500, quantity=500),
    dict(name="全场9折", kind=CouponKind.DISCOUNT, rate=0.9, quantity=100),
]


def ensure_sample_catalogue(database: Database) -> None:
    """A fresh install gets the sample catalogue and coupons, so demo mode has something to sell."""
    with database.session() as db:
        empty = db.scalar(select(func.count()).select_from(Product)) == 0
    if empty:
        import_csv(database, SAMPLE_CATALOGUE)
        scripts = json.loads(SAMPLE_SCRIPTS.read_text(encoding="utf-8"))
        with database.sessions.begin() as db:
            db.add_all(Coupon(product_skus=[], **c) for c in SAMPLE_COUPONS)
            for product in db.scalars(select(Product).where(Product.sku.in_(list(scripts)))):
                db.add(Script(product=product, title=product.title, sections=[
                    ScriptSection(position=i, kind=kind, text=text)
                    for i, (kind, text) in enumerate(scripts[product.sku])]))


class DemoAssistant:
    """Plays the 场控 in demo mode: pins the run sheet in turn and drops a coupon now and then."""

    def __init__(self, core: SessionCore, pin_every: float = 45.0) -> None:
        from app.live.session_core import SIMULATOR_IN_LIVE, RehearsalOnly

        if not core.rehearsal:
            raise RehearsalOnly(SIMULATOR_IN_LIVE)
        self.core, self.pin_every = core, pin_every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo assistant", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)

    def _run(self) -> None:
        room = self.core.room
        from app.commerce.room import ActionRefused

        second = 0
        while not self._stop.is_set():
            try:
                state = room.snapshot().state
                if second % int(self.pin_every) == 0:
                    if state.pinned_product is None or not self._try(room.next_product):
                        room.pin_product(state.run_sheet[0], "assistant:演示场控")
                if second % 60 == 5 and state.coupons:
                    coupon = next(iter(state.coupons.values()))
                    if not coupon.live:
                        room.drop_coupon(coupon.id, 50, 40, "assistant:演示场控")
            except ActionRefused as exc:
                log.info("demo assistant: %s", exc)
            second += 1
            self._stop.wait(1.0)

    @staticmethod
    def _try(action) -> bool:
        from app.commerce.room import ActionRefused

        try:
            action("assistant:演示场控")
            return True
        except ActionRefused:
            return False
