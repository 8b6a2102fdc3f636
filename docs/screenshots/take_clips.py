"""Take the 直播切片 screenshots at 1366×768 on a virtual X display: a 12-second rehearsal recorded (two products
explained), its review's 导出切片… dialog with the letterboxed shape chosen, a caption holding an extreme word and
the clip's first frame previewed beside (13-clip-dialog.png), then a frame of a vertical clip of the first explanation, cropped and letterboxed, side by side
(14-clip-vertical.png).

    ulimit -v 8000000; .venv/bin/python docs/screenshots/take_clips.py

Starts Xvfb itself and stops it by its pid.
"""

from __future__ import annotations

from pathlib import Path

from xvfb import qt_on_virtual_display, rehearsal_recorded, review_when_sealed

HERE = Path(__file__).resolve().parent


def main() -> int:
    with qt_on_virtual_display(":95", "1366x768", "anchor-clips-") as app:
        import av
        import cv2
        import numpy as np
        from PySide6.QtCore import QTimer

        from app.console import ClipStyle, ConsoleService
        from app.media.sources import wait_until

        def two_explanations(room, bus) -> None:
            wait_until(lambda: (bus.stream_time() or 0) > 1.0, 10)
            room.pin_product(room.state.run_sheet[0], "assistant:场控")
            wait_until(lambda: bus.stream_time() > 7.0, 15)
            room.pin_product(room.state.run_sheet[1], "assistant:场控")

        service = ConsoleService()
        folder = rehearsal_recorded(service, "anchor-clips-", two_explanations)

        def dialog(window) -> None:
            clips = window.export_clips()
            clips.shape.setCurrentIndex(clips.shape.findData("letterbox"))
            clips.caption.setText("全网最低 今天直播间福利价")
            clips.move(window.x() + 190, window.y() + 60)
            QTimer.singleShot(2500, lambda: (clips.grab().save(str(HERE / "13-clip-dialog.png")), clips.reject(),
                                            frames(window.review)))

        def frames(review) -> None:
            spans = service.history.clip_spans(review)[:1]
            pictures = []
            for shape in ("crop", "letterbox"):
                made = service.history.export_clips(review, spans, folder / shape, ClipStyle(
                    shape, caption="今天直播间福利价 一起来看看"))
                with av.open(str(made[0][1].path)) as clip:
                    for n, frame in enumerate(clip.decode(video=0)):
                        if n == 60:
                            pictures.append(cv2.resize(frame.to_ndarray(format="bgr24"), (540, 960)))
                            break
            gap = np.full((960, 20, 3), 255, np.uint8)
            cv2.imwrite(str(HERE / "14-clip-vertical.png"), np.hstack([pictures[0], gap, pictures[1]]))
            app.quit()

        window = review_when_sealed(service, dialog)
        app.exec()
        window.close()
        service.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
