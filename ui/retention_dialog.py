"""保留策略: how long the studio keeps its shows and when their viewers are pseudonymised (app/retention.py), as
a manager sets it — two numbers of days, 保存, and 立即执行 to apply it now (off the window's thread: it may
rewrite whole shows). The console a person starts applies it by itself when it opens."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QFormLayout, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from ui.i18n import pick, tr
from ui.worker import Worker

MAX_DAYS = 36500


class RetentionDialog(QDialog):
    def __init__(self, history, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history = history
        self.setWindowTitle(tr("保留策略"))
        current = history.retention_policy()
        self.keep = QSpinBox()
        self.keep.setRange(1, MAX_DAYS)
        self.keep.setSuffix(" " + tr("天"))
        self.keep.setValue(current.keep_days)
        self.keep.setToolTip(tr("《网络直播营销管理办法（试行）》要求保存直播记录不少于三年：默认 1095 天"))
        self.pseudonymise = QSpinBox()
        self.pseudonymise.setRange(0, MAX_DAYS)
        self.pseudonymise.setSuffix(" " + tr("天"))
        self.pseudonymise.setSpecialValueText(tr("从不"))
        self.pseudonymise.setValue(current.pseudonymise_days)
        self.pseudonymise.setToolTip(tr("到期后观众的ID与昵称换成化名：同一观众在各场是同一化名，计数、回访、复购不变"))
        form = QFormLayout()
        form.addRow(tr("场次保留"), self.keep)
        form.addRow(tr("观众去标识化"), self.pseudonymise)
        self.status = QLabel(tr("到期的场次连同录像删除；直播中的场次不受影响"))
        self.status.setWordWrap(True)
        self.save_button = QPushButton(tr("保存"))
        self.save_button.clicked.connect(self.save)
        self.apply_button = QPushButton(tr("立即执行"))
        self.apply_button.setToolTip(tr("现在按策略删除或去标识化到期的场次"))
        self.apply_button.clicked.connect(self.apply_now)
        close = QPushButton(tr("关闭"))
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.apply_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self._worker = Worker(self, "retention")

    def save(self) -> bool:
        try:
            saved = self.history.set_retention_policy(self.keep.value(), self.pseudonymise.value())
        except ValueError as exc:
            self.status.setText(pick(str(exc)))
            return False
        self.status.setText(tr("已保存：保留 {keep} 天，{pseudo} 天后去标识化").format(
            keep=saved.keep_days, pseudo=saved.pseudonymise_days) if saved.pseudonymise_days else
            tr("已保存：保留 {keep} 天，从不去标识化").format(keep=saved.keep_days))
        return True

    def apply_now(self) -> None:
        if not self.save():
            return
        self.apply_button.setEnabled(False)
        self.status.setText(tr("执行中…"))
        history = self.history
        self._worker.start(history.apply_retention, self._applied)

    def _applied(self, report) -> None:
        self.apply_button.setEnabled(True)
        self.status.setText(tr("未执行") + f": {pick(str(report))}" if isinstance(report, Exception)
                            else "✓ " + pick(report.summary()))

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self._worker.wait()
        event.accept()
