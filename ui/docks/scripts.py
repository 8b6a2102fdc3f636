"""Scripts dock (话术): edit a product's script by sections; extreme words are highlighted as you type."""

from __future__ import annotations

import re

from PySide6.QtGui import QColor, QSyntaxHighlighter, QTextCharFormat
from PySide6.QtWidgets import QComboBox, QDockWidget, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from app.console import ExtremeWordChecker
from ui import i18n
from ui.i18n import pick, tr
from ui.teleprompter import SECTION_NAMES

_HEADING = re.compile(r"^【(.+?)】\s*$")
_KIND_BY_NAME = {name: kind for kind, zh in SECTION_NAMES.items()
                 for name in (zh, i18n.english(zh)) if name}  # 【开场】 or 【Opening】


def to_text(sections: list[tuple[str, str]]) -> str:
    """Sections as editable text, headed in the interface language (Chinese headings in the bilingual mode)."""
    def heading(kind: str) -> str:
        zh = SECTION_NAMES.get(kind, kind)
        return (i18n.english(zh) or zh) if i18n.mode() == i18n.ENGLISH else zh
    return "\n\n".join(f"【{heading(kind)}】\n{text}" for kind, text in sections)


def from_text(text: str) -> list[tuple[str, str]]:
    """'【开场】\\n…\\n\\n【卖点】\\n…' → [(kind, text), …]; text before the first heading is an opening."""
    sections: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        match = _HEADING.match(line.strip())
        if match:
            sections.append((_KIND_BY_NAME.get(match[1], match[1]), []))
        elif line.strip():
            if not sections:
                sections.append(("opening", []))
            sections[-1][1].append(line.strip())
    return [(kind, "\n".join(lines)) for kind, lines in sections if lines]


class ExtremeWordHighlighter(QSyntaxHighlighter):
    def __init__(self, document, checker: ExtremeWordChecker) -> None:
        super().__init__(document)
        self.checker = checker
        self.format = QTextCharFormat()
        self.format.setForeground(QColor(198, 40, 40))
        self.format.setBackground(QColor(255, 228, 228))
        self.format.setFontUnderline(True)

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt API)
        for hit in self.checker.check(text):
            self.setFormat(hit.start, hit.end - hit.start, self.format)


class ScriptsDock(QDockWidget):
    def __init__(self, service, on_saved=None, parent: QWidget | None = None) -> None:
        super().__init__(tr("话术"), parent)
        self.setObjectName("scripts")
        self.service, self.on_saved = service, on_saved
        self.checker = ExtremeWordChecker.from_file()
        self.product = QComboBox()
        self.editor = QPlainTextEdit()
        self.highlighter = ExtremeWordHighlighter(self.editor.document(), self.checker)
        self.warnings = QLabel()
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet("color: #c62828;")
        save = self.save_button = QPushButton(tr("保存"))
        save.clicked.connect(self.save)
        self.editor.textChanged.connect(self._update_warnings)
        self.product.currentIndexChanged.connect(lambda _i: self.load())
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        for widget in (self.product, self.editor, self.warnings, save):
            layout.addWidget(widget)
        self.setWidget(body)
        self.reload_products()

    def reload_products(self) -> None:
        self.product.blockSignals(True)
        self.product.clear()
        for product_id, title in self.service.catalogue.products():
            self.product.addItem(title, product_id)
        self.product.blockSignals(False)
        self.load()

    def load(self) -> None:
        product_id = self.product.currentData()
        self.editor.setPlainText(to_text(self.service.catalogue.script_for(product_id)) if product_id is not None else "")

    def save(self) -> None:
        product_id = self.product.currentData()
        if product_id is not None:
            self.service.catalogue.save_script(product_id, from_text(self.editor.toPlainText()))
            if self.on_saved:
                self.on_saved()

    def _update_warnings(self) -> None:
        hits = self.checker.check(self.editor.toPlainText())
        self.warnings.setText("  ".join(f"⚠ {h.word}：{pick(h.reason)}" for h in hits))
