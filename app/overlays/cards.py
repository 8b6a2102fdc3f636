"""Overlay renderers: content (frozen dataclasses) → premultiplied BGRA images, drawn with QPainter.

Each is a pure function of its content, so a layer is re-rendered only when its content changes (see
`OverlaySet`). Text is always drawn as plain text: a comment like `<b>` shows exactly as typed.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QImage, QPainter, QPainterPath, QPen

from app.media import qtrender

ACCENT = QColor(255, 64, 96)
GOLD = QColor(255, 214, 102)
WHITE = QColor(255, 255, 255)
PANEL = QColor(20, 20, 28, 200)


@dataclass(frozen=True)
class ProductCardContent:
    title: str
    live_price: float
    list_price: float
    stock_left: int
    badge: str = "讲解中"
    image: bytes | None = None  # encoded picture (PNG/JPEG), optional
    show_stock: bool = True  # a clip posted days later shows no stock line


@dataclass(frozen=True)
class CouponContent:
    title: str  # e.g. 满199减30
    seconds_left: int
    remaining: int
    total: int


@dataclass(frozen=True)
class FlashSaleContent:
    title: str
    price: float
    stock_left: int
    seconds_left: int


@dataclass(frozen=True)
class DrawContent:
    """福袋: open (prize, keyword, countdown, how many entered) or drawn (the winners' nicknames)."""

    prize: str
    keyword: str
    seconds_left: int
    entrants: int
    winners: tuple[str, ...] = ()
    drawn: bool = False


@dataclass(frozen=True)
class ReplyContent:
    """自动回复 on stream: the viewer's question and the answer to them."""

    nickname: str
    question: str
    answer: str


@dataclass(frozen=True)
class NoticeContent:
    """公告: one line pinned on stream."""

    text: str


@dataclass(frozen=True)
class CommentsContent:
    lines: tuple[tuple[str, str], ...]  # (nickname, text), oldest first


@dataclass(frozen=True)
class PinnedCommentContent:
    nickname: str
    text: str


def _begin(width: int, height: int) -> tuple[QImage, QPainter]:
    image = qtrender.new_image(width, height)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    return image, painter


def _panel(painter: QPainter, rect: QRectF, colour: QColor = PANEL, radius: float = 16) -> None:
    path = QPainterPath()
    path.addRoundedRect(rect, radius, radius)
    painter.fillPath(path, colour)


def _finish(image: QImage, painter: QPainter) -> np.ndarray:
    painter.end()
    return qtrender.to_bgra(image)


def _price(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _elided(painter: QPainter, text: str, width: float) -> str:
    return painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, int(width))


TITLE_PX, TITLE_MIN_PX = 22, 16  # the card's title: its size, and the smallest it shrinks to before it is cut


def fit_title(title: str, width: float, scale: float = 1.0) -> tuple[int, str]:
    """The product's title for a line `width` px wide: (font px, text). It shrinks to fit (down to TITLE_MIN_PX);
    a title still too long is cut in the middle, so its end — the size or spec, 500ml, XL, 3 件装, which is the
    information — stays on stream."""
    metrics = None
    for px in range(int(TITLE_PX * scale), int(TITLE_MIN_PX * scale) - 1, -1):
        metrics = QFontMetrics(qtrender.font(px, bold=True))
        if metrics.horizontalAdvance(title) <= width:
            return px, title
    px = int(TITLE_MIN_PX * scale)
    return px, metrics.elidedText(title, Qt.TextElideMode.ElideMiddle, int(width)) if metrics else title


def render_product_card(content: ProductCardContent, scale: float = 1.0) -> np.ndarray:
    """The 讲解卡: picture, title, live price against the crossed-out list price, stock left."""
    w, h = int(460 * scale), int(170 * scale)
    image, p = _begin(w, h)
    _panel(p, QRectF(0, 0, w, h), radius=18 * scale)
    pad = 14 * scale
    pic = h - 2 * pad
    text_x = pad
    if content.image:
        decoded = cv2.imdecode(np.frombuffer(content.image, np.uint8), cv2.IMREAD_COLOR)
        if decoded is not None:
            thumb = cv2.cvtColor(cv2.resize(decoded, (int(pic), int(pic)), interpolation=cv2.INTER_AREA),
                                 cv2.COLOR_BGR2RGB)
            qimg = QImage(thumb.data, thumb.shape[1], thumb.shape[0], thumb.strides[0], QImage.Format.Format_RGB888)
            p.drawImage(QRectF(pad, pad, pic, pic), qimg)
            text_x = pad * 2 + pic
    avail = w - text_x - pad
    p.setFont(qtrender.font(int(15 * scale), bold=True))
    badge_w = p.fontMetrics().horizontalAdvance(content.badge) + 16 * scale
    _panel(p, QRectF(text_x, pad, badge_w, 26 * scale), ACCENT, 8 * scale)
    p.setPen(WHITE)
    p.drawText(QRectF(text_x, pad, badge_w, 26 * scale), Qt.AlignmentFlag.AlignCenter, content.badge)
    px, title = fit_title(content.title, avail, scale)
    p.setFont(qtrender.font(px, bold=True))
    p.drawText(QRectF(text_x, pad + 32 * scale, avail, 34 * scale), Qt.AlignmentFlag.AlignVCenter, title)
    p.setPen(GOLD)
    p.setFont(qtrender.font(int(34 * scale), bold=True))
    live = f"￥{_price(content.live_price)}"
    p.drawText(QRectF(text_x, pad + 70 * scale, avail, 48 * scale), Qt.AlignmentFlag.AlignVCenter, live)
    live_w = p.fontMetrics().horizontalAdvance(live)
    if content.list_price > content.live_price:
        font = qtrender.font(int(17 * scale))
        font.setStrikeOut(True)
        p.setFont(font)
        p.setPen(QColor(200, 200, 210))
        p.drawText(QRectF(text_x + live_w + 10 * scale, pad + 82 * scale, avail, 30 * scale),
                   Qt.AlignmentFlag.AlignVCenter, f"￥{_price(content.list_price)}")
    if not content.show_stock:
        return _finish(image, p)
    p.setFont(qtrender.font(int(16 * scale)))
    p.setPen(WHITE if content.stock_left > 0 else ACCENT)
    stock = f"仅剩 {content.stock_left} 件" if content.stock_left > 0 else "已售罄"
    p.drawText(QRectF(text_x, h - pad - 24 * scale, avail, 24 * scale), Qt.AlignmentFlag.AlignVCenter, stock)
    return _finish(image, p)


def _clock(seconds: int) -> str:
    seconds = max(0, seconds)
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def render_coupon_banner(content: CouponContent, scale: float = 1.0) -> np.ndarray:
    """Coupon banner: the deal, the countdown, how many are left."""
    w, h = int(360 * scale), int(96 * scale)
    image, p = _begin(w, h)
    _panel(p, QRectF(0, 0, w, h), QColor(230, 40, 70, 235), 14 * scale)
    p.setPen(QPen(QColor(255, 255, 255, 120), 2 * scale, Qt.PenStyle.DashLine))
    p.drawLine(int(w * 0.62), int(8 * scale), int(w * 0.62), int(h - 8 * scale))
    p.setPen(WHITE)
    p.setFont(qtrender.font(int(28 * scale), bold=True))
    p.drawText(QRectF(12 * scale, 6 * scale, w * 0.6 - 12 * scale, 50 * scale), Qt.AlignmentFlag.AlignVCenter,
               _elided(p, content.title, w * 0.6 - 12 * scale))
    p.setFont(qtrender.font(int(15 * scale)))
    p.drawText(QRectF(12 * scale, 54 * scale, w * 0.6, 30 * scale), Qt.AlignmentFlag.AlignVCenter,
               f"剩余 {content.remaining}/{content.total} 张")
    p.setFont(qtrender.font(int(14 * scale)))
    p.drawText(QRectF(w * 0.62, 10 * scale, w * 0.38, 26 * scale), Qt.AlignmentFlag.AlignCenter, "限时领券")
    p.setPen(GOLD)
    p.setFont(qtrender.font(int(28 * scale), bold=True))
    p.drawText(QRectF(w * 0.62, 36 * scale, w * 0.38, 48 * scale), Qt.AlignmentFlag.AlignCenter,
               _clock(content.seconds_left))
    return _finish(image, p)


def render_flash_sale(content: FlashSaleContent, scale: float = 1.0) -> np.ndarray:
    """秒杀 countdown: price, stock falling, time left."""
    w, h = int(380 * scale), int(110 * scale)
    image, p = _begin(w, h)
    _panel(p, QRectF(0, 0, w, h), QColor(255, 120, 0, 235), 14 * scale)
    p.setPen(WHITE)
    p.setFont(qtrender.font(int(18 * scale), bold=True))
    p.drawText(QRectF(12 * scale, 6 * scale, w - 24 * scale, 30 * scale), Qt.AlignmentFlag.AlignVCenter,
               _elided(p, f"秒杀 · {content.title}", w - 24 * scale))
    p.setFont(qtrender.font(int(36 * scale), bold=True))
    p.drawText(QRectF(12 * scale, 36 * scale, w * 0.5, 60 * scale), Qt.AlignmentFlag.AlignVCenter,
               f"￥{_price(content.price)}")
    p.setFont(qtrender.font(int(16 * scale)))
    p.drawText(QRectF(w * 0.5, 38 * scale, w * 0.5 - 12 * scale, 28 * scale),
               Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"剩 {content.stock_left} 件")
    p.setFont(qtrender.font(int(24 * scale), bold=True))
    p.drawText(QRectF(w * 0.5, 66 * scale, w * 0.5 - 12 * scale, 36 * scale),
               Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, _clock(content.seconds_left))
    return _finish(image, p)


def render_draw(content: DrawContent, scale: float = 1.0) -> np.ndarray:
    """福袋 card: while open, the prize, the keyword to send and the countdown; once drawn, the winners."""
    w, h = int(380 * scale), int(120 * scale)
    image, p = _begin(w, h)
    _panel(p, QRectF(0, 0, w, h), QColor(200, 30, 40, 235), 14 * scale)
    p.setPen(GOLD)
    p.setFont(qtrender.font(int(18 * scale), bold=True))
    p.drawText(QRectF(12 * scale, 6 * scale, w - 24 * scale, 30 * scale), Qt.AlignmentFlag.AlignVCenter,
               _elided(p, f"福袋 · {content.prize}", w - 24 * scale))
    p.setPen(WHITE)
    if content.drawn:
        names = "、".join(content.winners) if content.winners else "无人参与"
        p.setFont(qtrender.font(int(15 * scale)))
        p.drawText(QRectF(12 * scale, 38 * scale, w - 24 * scale, 24 * scale), Qt.AlignmentFlag.AlignVCenter,
                   f"开奖 · {content.entrants} 人参与")
        p.setFont(qtrender.font(int(20 * scale), bold=True))
        p.drawText(QRectF(12 * scale, 64 * scale, w - 24 * scale, 48 * scale),
                   Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap, _elided(p, f"中奖：{names}", 2 * w))
        return _finish(image, p)
    p.setFont(qtrender.font(int(15 * scale)))
    p.drawText(QRectF(12 * scale, 38 * scale, w - 24 * scale, 24 * scale), Qt.AlignmentFlag.AlignVCenter,
               "发送口令参与")
    p.setFont(qtrender.font(int(26 * scale), bold=True))
    p.drawText(QRectF(12 * scale, 62 * scale, w * 0.62, 48 * scale), Qt.AlignmentFlag.AlignVCenter,
               _elided(p, f"“{content.keyword}”", w * 0.62))
    p.setFont(qtrender.font(int(14 * scale)))
    p.drawText(QRectF(w * 0.6, 40 * scale, w * 0.4 - 12 * scale, 22 * scale),
               Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{content.entrants} 人已参与")
    p.setPen(GOLD)
    p.setFont(qtrender.font(int(26 * scale), bold=True))
    p.drawText(QRectF(w * 0.6, 64 * scale, w * 0.4 - 12 * scale, 44 * scale),
               Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, _clock(content.seconds_left))
    return _finish(image, p)


TICKER_PILL = QColor(0, 0, 0, 190)  # dark enough that a 2.5 Mb/s encode keeps the letters apart from the picture
TICKER_PX = 19


def render_comments(content: CommentsContent, scale: float = 1.0, max_lines: int = 6) -> np.ndarray:
    """Comment ticker: the newest comments, each on a dark pill (see-through enough to show the picture, dark
    enough that small text survives the encode), plain text, the nickname in gold."""
    line_h, w = int(40 * scale), int(440 * scale)
    lines = content.lines[-max_lines:]
    image, p = _begin(w, line_h * max_lines)
    y = line_h * (max_lines - len(lines))
    for nickname, text in lines:
        p.setFont(qtrender.font(int(TICKER_PX * scale), bold=True))
        name = f"{nickname}："
        name_w = p.fontMetrics().horizontalAdvance(name)
        p.setFont(qtrender.font(int(TICKER_PX * scale)))
        body = _elided(p, text, w - name_w - 24 * scale)
        body_w = p.fontMetrics().horizontalAdvance(body)
        _panel(p, QRectF(0, y + 3 * scale, name_w + body_w + 20 * scale, line_h - 6 * scale), TICKER_PILL,
               (line_h - 6 * scale) / 2)
        p.setPen(GOLD)
        p.setFont(qtrender.font(int(TICKER_PX * scale), bold=True))
        p.drawText(QRectF(10 * scale, y, name_w, line_h), Qt.AlignmentFlag.AlignVCenter, name)
        p.setPen(WHITE)
        p.setFont(qtrender.font(int(TICKER_PX * scale)))
        p.drawText(QRectF(10 * scale + name_w, y, body_w + 2, line_h), Qt.AlignmentFlag.AlignVCenter, body)
        y += line_h
    return _finish(image, p)


def render_pinned_comment(content: PinnedCommentContent, scale: float = 1.0) -> np.ndarray:
    w, h = int(520 * scale), int(64 * scale)
    image, p = _begin(w, h)
    _panel(p, QRectF(0, 0, w, h), QColor(40, 40, 60, 220), 12 * scale)
    p.setPen(GOLD)
    p.setFont(qtrender.font(int(16 * scale), bold=True))
    p.drawText(QRectF(12 * scale, 0, w, h / 2), Qt.AlignmentFlag.AlignVCenter, f"置顶 · {content.nickname}")
    p.setPen(WHITE)
    p.setFont(qtrender.font(int(18 * scale)))
    p.drawText(QRectF(12 * scale, h / 2 - 4 * scale, w - 24 * scale, h / 2), Qt.AlignmentFlag.AlignVCenter,
               _elided(p, content.text, w - 24 * scale))
    return _finish(image, p)


def render_reply(content: ReplyContent, scale: float = 1.0) -> np.ndarray:
    """回复 card: "@nickname：question" small, the answer below in two lines at most."""
    w, h = int(520 * scale), int(112 * scale)
    image, p = _begin(w, h)
    _panel(p, QRectF(0, 0, w, h), QColor(24, 90, 160, 230), 12 * scale)
    p.setPen(GOLD)
    p.setFont(qtrender.font(int(15 * scale), bold=True))
    p.drawText(QRectF(12 * scale, 4 * scale, w - 24 * scale, 30 * scale), Qt.AlignmentFlag.AlignVCenter,
               _elided(p, f"回复 @{content.nickname}：{content.question}", w - 24 * scale))
    p.setPen(WHITE)
    p.setFont(qtrender.font(int(19 * scale), bold=True))
    box = QRectF(12 * scale, 36 * scale, w - 24 * scale, h - 42 * scale)
    p.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
               _fit_lines(p, content.answer, box.width(), 2))
    return _finish(image, p)


def _fit_lines(painter: QPainter, text: str, width: float, lines: int) -> str:
    """`text` cut (with …) so that wrapped at `width` it takes at most `lines` lines."""
    metrics = painter.fontMetrics()
    if metrics.horizontalAdvance(text) <= width * lines * 0.95:
        return text
    while text and metrics.horizontalAdvance(text + "…") > width * lines * 0.95:
        text = text[:-1]
    return text + "…"


def render_notice(content: NoticeContent, scale: float = 1.0) -> np.ndarray:
    """公告 banner: one line across the top."""
    text_w = QFontMetrics(qtrender.font(int(20 * scale), bold=True)).horizontalAdvance(content.text)
    w, h = int(min(900 * scale, text_w + 90 * scale)), int(48 * scale)
    image, p = _begin(w, h)
    _panel(p, QRectF(0, 0, w, h), QColor(255, 170, 0, 235), h / 2)
    p.setPen(QColor(60, 20, 0))
    p.setFont(qtrender.font(int(16 * scale), bold=True))
    p.drawText(QRectF(16 * scale, 0, 50 * scale, h), Qt.AlignmentFlag.AlignVCenter, "公告")
    p.setFont(qtrender.font(int(20 * scale), bold=True))
    p.drawText(QRectF(66 * scale, 0, w - 80 * scale, h), Qt.AlignmentFlag.AlignVCenter,
               _elided(p, content.text, w - 80 * scale))
    return _finish(image, p)


def render_caption(text: str, width: int, scale: float = 1.0, lines: int = 2) -> np.ndarray:
    """A clip's caption: bold white text centred on a dark band `width` px wide, wrapped to at most `lines` lines
    (the rest elided), as plain text."""
    px = int(30 * scale)
    line_h = int(px * 1.45)
    pad = int(18 * scale)
    probe = QFontMetrics(qtrender.font(px, bold=True))
    wrapped = probe.boundingRect(0, 0, width - 2 * pad, line_h * lines, Qt.TextFlag.TextWordWrap, text)
    shown = max(1, min(lines, -(-wrapped.height() // max(1, probe.lineSpacing()))))
    h = shown * line_h + 2 * pad
    image, p = _begin(width, h)
    _panel(p, QRectF(0, 0, width, h), QColor(0, 0, 0, 170), 14 * scale)
    p.setPen(WHITE)
    p.setFont(qtrender.font(px, bold=True))
    p.drawText(QRectF(pad, pad, width - 2 * pad, h - 2 * pad),
               Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, _fit_lines(p, text, width - 2 * pad, lines))
    return _finish(image, p)


REHEARSAL_MARK = "演练 REHEARSAL"


def render_rehearsal_mark(scale: float = 1.0) -> np.ndarray:
    """The corner mark every rehearsal frame carries (recording and test push): never mistaken for a real show."""
    w, h = int(210 * scale), int(44 * scale)
    image, p = _begin(w, h)
    _panel(p, QRectF(0, 0, w, h), QColor(230, 120, 0, 230), 8 * scale)
    p.setPen(WHITE)
    p.setFont(qtrender.font(int(20 * scale), bold=True))
    p.drawText(QRectF(0, 0, w, h), Qt.AlignmentFlag.AlignCenter, REHEARSAL_MARK)
    return _finish(image, p)
