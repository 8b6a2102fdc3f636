"""Take the README's screenshots of the real window on a virtual X display (Xvfb), in demo mode.

    ulimit -v 8000000; .venv/bin/python docs/screenshots/take.py

Starts Xvfb itself and stops it by its pid. Writes docs/screenshots/*.png.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from xvfb import qt_on_virtual_display

HERE = Path(__file__).resolve().parent


def main() -> int:
    with qt_on_virtual_display(":97", "1920x1080", "anchor-shots-") as app:
        from PySide6.QtCore import QSettings, QTimer

        from app.console import ConsoleService
        from ui.main_window import MainWindow

        service = ConsoleService()

        def session(language: str, steps_for, size=(1600, 1000)) -> None:
            settings = QSettings(os.path.join(os.environ["ANCHOR_CONSOLE_DATA"], f"{language}.ini"),
                                 QSettings.Format.IniFormat)
            settings.setValue("ui/language", language)
            window = MainWindow(service, settings)
            window.confirm = lambda question: True
            window.choose = lambda question, choices: "test"
            window.resize(*size)
            window.show()
            for delay, action in steps_for(window):
                QTimer.singleShot(delay, action)
            app.exec()
            window.close()
            window.deleteLater()  # widgets go before the application, not in the interpreter's final GC
            app.processEvents()

        def shoot(window, name: str, widget=None) -> None:
            (widget or window).grab().save(str(HERE / f"{name}.png"))
            whole_screen(f"{name}-screen")

        def whole_screen(name: str) -> None:  # the X screen as it is, dialogs and all (Qt's grab, not ImageMagick)
            app.primaryScreen().grabWindow(0).save(str(HERE / f"{name}.png"))

        def pin_drop_sale() -> None:
            room = service.broadcast.room
            room.pin_product(room.state.run_sheet[0], "assistant:场控")
            room.drop_coupon(sorted(room.state.coupons)[0], 100, 120, "assistant:场控")
            room.start_flash_sale(room.state.run_sheet[1], 9900, 20, 90, "assistant:场控")

        def room_tools(window) -> None:
            """福袋 open, a 公告 pinned, a viewer's question answered on stream, a notice due in a minute."""
            from app.console import parse_schedule
            from app.kernel.events import Event, EventType

            room, bus = service.broadcast.room, service.broadcast.core.bus
            room.start_draw("保温杯一个", "福袋来了", 3, 120, "anyone", "assistant:场控")
            room.pin_notice("20:00 福袋 · 21:00 秒杀", "assistant:场控")
            asked = bus.publish(Event(EventType.COMMENT, {"user_id": "shot-1", "nickname": "小鹿",
                                                          "text": "什么时候发货呀"}))
            room.reply_comment(asked.seq, "小鹿", "什么时候发货呀", "付款后48小时内发货，默认中通快递", "assistant:场控",
                               shown_s=60)
            soon = time.localtime(time.time() + 40)
            window.schedule = parse_schedule(f"{soon.tm_hour:02d}:{soon.tm_min:02d} 福袋开奖")

        def scene_editor(window) -> None:
            """编辑场景 on air, on the scene with the product picture: each place shows its picture now."""
            window.scene_dialog = window.desk.scene_editor()
            window.scene_dialog.names.setCurrentRow(1)
            window.scene_dialog.resize(1100, 620)
            window.scene_dialog.show()

        def show_tools(window) -> None:
            window.draw.raise_()
            window.faq.raise_()

        def teleprompter(window) -> None:
            window.show_teleprompter()
            window.teleprompter.speed.setValue(0)
            window.teleprompter.resize(900, 620)

        def bilingual(window):
            return [
                (500, lambda: shoot(window, "01-ready")),
                (600, window.on_air.go_live),
                (2500, pin_drop_sale),
                (3000, lambda: remote(window)),
                (8000, lambda: shoot(window, "06-remote", window.remote_window)),
                (8200, lambda: window.remote_window.close()),
                (9000, lambda: shoot(window, "02-live")),
                (9100, lambda: room_tools(window)),
                (9200, lambda: show_tools(window)),
                (10200, lambda: shoot(window, "08-room-tools")),
                (10250, lambda: scene_editor(window)),
                (10350, lambda: shoot(window, "09-scene-editor", window.scene_dialog)),
                (10380, lambda: window.scene_dialog.close()),
                (10400, lambda: teleprompter(window)),
                (11700, lambda: shoot(window, "03-teleprompter", window.teleprompter)),
                (12200, lambda: (window.teleprompter.close(), window.on_air.stop_live())),
                (12700, lambda: review(window)),
                (15200, lambda: window.review_window.seek(6.0)),
                (16700, lambda: shoot(window, "05-review", window.review_window)),
                (17200, lambda: (window.review_window.close(), app.quit())),
            ]

        def remote(window) -> None:
            """A second machine's assistant window, connected over loopback to this console."""
            from ui.remote_window import RemoteWindow

            window.inform = lambda title, text: None
            window.doors.ask_remote_setup = lambda setup: setup  # the dialog answered as the settings say
            window.settings.setValue("remote/port", 0)
            window.settings.setValue("remote/host", "127.0.0.1")
            window.doors.remote_action.setChecked(True)
            server = service.doors.assistants
            window.remote_window = RemoteWindow("", "小周")
            window.remote_window.resize(1366, 768)  # the assistant's laptop
            window.remote_window.token.setText(server.pairing_code("127.0.0.1"))  # pasted whole: wss + fingerprint
            window.remote_window.connect_to_console()
            window.remote_window.call("next_product")
            window.remote_window.show()

        def review(window) -> None:
            window.show_review()
            window.review_window.resize(1600, 1000)
            window.review_window.show_rehearsals.setChecked(True)  # the demo sessions are rehearsals
            window.review_window.sessions.setCurrentRow(0)

        def english(window):
            from ui.docks.coupons import CouponDialog

            def hover_and_dialog() -> None:
                window.preview._hover = True  # as with the mouse over the preview: placeable overlays outlined
                window.preview.update()
                window.coupon_dialog = CouponDialog(window)
                window.coupon_dialog.name.setText("Spend 299 save 50")
                window.coupon_dialog.move(window.x() + 520, window.y() + 420)
                window.coupon_dialog.show()

            return [
                (600, window.on_air.go_live),
                (2500, pin_drop_sale),
                (7000, hover_and_dialog),
                (8500, lambda: whole_screen("04-english")),
                (9000, lambda: (window.coupon_dialog.close(), window.on_air.stop_live(), app.quit())),
            ]

        def sized(name: str):
            def steps(window):
                return [(600, window.on_air.go_live), (2500, pin_drop_sale),
                        (6000, lambda: shoot(window, name)),
                        (6200, lambda: (window.on_air.stop_live(), app.quit()))]
            return steps

        session("zh+en", bilingual)
        session("en", english)
        for width, height in ((1366, 768), (1920, 1080)):  # a laptop and a desktop, issue #26
            for language in ("zh+en", "en"):
                session(language, sized(f"size-{width}x{height}-{language.replace('+', '-')}"), (width, height))
        service.close()
    for extra in HERE.glob("*-screen.png"):  # 04-english.png is a root grab on purpose: it shows the dialog
        extra.unlink()  # keep the window grabs; the root grabs were only to check the real X server drew it
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
