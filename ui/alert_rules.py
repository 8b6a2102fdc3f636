"""预警规则: the thresholds a show is watched for, as the manager sets them (the desk's `alert_rules`, read as
JSON values: the core checks each and keeps its default for one it cannot take)."""

from __future__ import annotations

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QPlainTextEdit, QSpinBox,
                               QVBoxLayout, QWidget)

from ui.i18n import QT_TR_NOOP, tr

# field → (label, kind, low, high, suffix): "%" fields are shares shown in percent
FIELDS = {
    "online_drop": (QT_TR_NOOP("在线下跌幅度"), "%", 5, 95, " %"),
    "online_window_s": (QT_TR_NOOP("在线下跌的时间窗"), "s", 10, 3600, " s"),
    "online_min": (QT_TR_NOOP("在线少于此数不报"), "n", 0, 1_000_000, ""),
    "conversion_ratio": (QT_TR_NOOP("转化低于本场中位的比例"), "%", 5, 100, " %"),
    "conversion_audience": (QT_TR_NOOP("讲解观众至少"), "n", 1, 1_000_000, ""),
    "conversion_seconds": (QT_TR_NOOP("讲解至少进行"), "s", 10, 3600, " s"),
    "stock_at_most": (QT_TR_NOOP("库存预警线"), "n", 0, 100_000, ""),
    "complaints": (QT_TR_NOOP("投诉评论条数"), "n", 1, 10_000, ""),
    "complaint_window_s": (QT_TR_NOOP("投诉的时间窗"), "s", 5, 3600, " s"),
    "cooldown_s": (QT_TR_NOOP("同一原因的间隔"), "s", 10, 7200, " s"),
    "quiet_s": (QT_TR_NOOP("直播间数据静默"), "s", 5, 3600, " s"),
}


class AlertRulesDialog(QDialog):
    def __init__(self, rules: dict, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("预警规则"))
        form = QFormLayout()
        self.boxes: dict[str, QSpinBox | QDoubleSpinBox] = {}
        for name, (label, kind, low, high, suffix) in FIELDS.items():
            box = QSpinBox() if kind == "n" else QDoubleSpinBox()
            box.setRange(low, high)
            box.setSuffix(suffix)
            if isinstance(box, QDoubleSpinBox):
                box.setDecimals(0)
            value = rules.get(name, 0)
            box.setValue(round(value * 100) if kind == "%" else value)
            self.boxes[name] = box
            form.addRow(tr(label), box)
        self.words = QPlainTextEdit("\n".join(rules.get("complaint_words", ())))
        self.words.setToolTip(tr("每行一个：评论里出现这些词就算投诉类"))
        self.words.setMaximumHeight(110)
        form.addRow(tr("投诉词"), self.words)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def values(self) -> dict:
        out: dict = {}
        for name, box in self.boxes.items():
            kind = FIELDS[name][1]
            out[name] = box.value() / 100 if kind == "%" else (float(box.value()) if kind == "s" else int(box.value()))
        out["complaint_words"] = [w.strip() for w in self.words.toPlainText().splitlines() if w.strip()]
        return out
