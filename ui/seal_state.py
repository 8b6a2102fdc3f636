"""The review's 存证 line: whether a show's records are as they were written (its log against its hash chain, its
recording against its digests, its 福袋 draws recomputed: app/records.py), checked off the window's thread when a
show opens — sealed, intact, what an erasure on request changed, or from which link on it differs (the first
findings in the tooltip)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from ui.i18n import pick, tr
from ui.worker import Worker

SHOWN = 8  # findings in the tooltip


class SealState:
    def __init__(self, parent: QWidget, history) -> None:
        self.history = history
        self.label = QLabel("—")
        self.label.setWordWrap(True)  # a long verdict wraps: it never widens the KPI column (the timeline keeps its
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # width as drawn)
        self.worker = Worker(parent, "records check")
        self.session_id: int | None = None

    def check(self, session_id: int) -> None:
        self.session_id = session_id
        self.label.setText(tr("校验中…"))
        self.label.setStyleSheet("")
        self.label.setToolTip("")
        history = self.history
        self.worker.start(lambda: history.verify_records(session_id), lambda result: self._checked(session_id, result))

    def _checked(self, session_id: int, show) -> None:
        if session_id != self.session_id:
            return  # another show was opened meanwhile
        if isinstance(show, KeyError):
            self.label.setText("—")
            return
        if isinstance(show, Exception):
            self.label.setText(tr("无法校验") + f": {pick(str(show))}")
            return
        verdict = show.verdict
        if not verdict.chained:
            self.label.setText(tr("— 录制时还没有存证链"))
            return
        erased = sum(1 for f in verdict.findings if f.kind == "erased")
        details = []  # the tooltip: what was checked, then what was found
        if show.recording:
            details.append(tr("录像未正常结束：已校验到最后的摘要") if show.said("unclosed") else
                           tr("录像录制时没有摘要") if show.said("undigested") else
                           tr("录像完好") if verdict.intact else tr("录像") + f": {show.recording}")
        if show.draws:
            details.append(tr("福袋复核 {n} 次").format(n=show.draws))
        if show.signed:
            details.append(tr("签名指纹 {fingerprint}").format(fingerprint=show.signed))
        if verdict.intact:  # the line short (it shares the KPI column); the rest in the tooltip
            text = "✓ " + tr("完好") + " · " + (tr("已封存") if verdict.sealed else tr("未封存（直播中或未正常结束）"))
            if show.signed:
                text += " · " + tr("已签名")
            if erased:
                details.append(tr("{n} 条已按请求删除个人信息").format(n=erased))
            self.label.setStyleSheet("color: #1b873f")
        else:
            text = "✗ " + tr("被改动：从第 {first} 环起 {n} 处").format(first=verdict.first, n=show.tampered)
            self.label.setStyleSheet("color: #d33; font-weight: bold")
        self.label.setText(text)
        self.label.setToolTip("\n".join(details + [pick(f.what) for f in verdict.findings[:SHOWN]]))

    def wait(self) -> None:
        self.worker.wait()
