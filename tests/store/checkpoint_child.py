"""Run by test_checkpoint's kill test: a rehearsal's session core with the simulated audience at 2,000 events/s and a
product pinned now and then, a checkpoint kept every 0.2 s, until it is killed with SIGKILL."""

import sys
import time

from app.live.simulator import SimulatorConfig
from app.session import SessionCore
from app.store.db import Database
from app.store.models import Product

database = Database(sys.argv[1])
with database.sessions.begin() as db:
    db.add_all([Product(sku=f"SKU-{i}", title=f"商品 {i}", category="家居", list_price_cents=15900, live_price_cents=8900,
                        stock=10_000, image="", selling_points=[]) for i in range(3)])
core = SessionCore(database)
session_id = core.start("检查点 checkpoint", kind="rehearsal")
core.writer.keep_checkpoints(core.metrics.state, every=0.2)
core.simulated_audience(SimulatorConfig(events_per_second=2000, seed=11)).start()
print(session_id, flush=True)
sheet = core.room.state.run_sheet
n = 0
while True:
    time.sleep(0.3)
    n += 1
    core.room.pin_product(sheet[n % len(sheet)], "assistant:a")
