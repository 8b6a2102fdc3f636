"""The console's docks: comments, products / run sheet, coupons & flash sales, sales graphs."""


def grid(widgets, columns: int = 2):
    """Buttons (or any widgets) in rows of `columns`: a dock's row of three or four buttons fits a laptop's side
    column in both languages instead of pushing the dock wider than the window."""
    from PySide6.QtWidgets import QGridLayout

    layout = QGridLayout()
    for index, widget in enumerate(widgets):
        layout.addWidget(widget, index // columns, index % columns)
    return layout


def scrolling(dock) -> None:
    """The dock's body in a scroll area: it never asks for more height (or width) than the window has."""
    from PySide6.QtWidgets import QFrame, QScrollArea

    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(dock.widget())
    dock.setWidget(area)
