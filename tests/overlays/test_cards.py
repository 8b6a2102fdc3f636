"""Overlay renderers: Chinese glyphs really exist, text is plain, layers re-render only on change."""

from __future__ import annotations

import numpy as np
import pytest

from app.media.compose import Compositor
from app.media import qtrender
from app.overlays import cards
from app.overlays.sample import DEMO_COMMENTS
from app.overlays.overlay_set import OverlaySet

pytestmark = pytest.mark.usefixtures("qapp_offscreen")

PRODUCT = cards.ProductCardContent("【直播专享】真空保温杯 500ml", 89, 159, 12)


def test_shipped_font_has_every_glyph_the_overlays_draw():
    texts = [PRODUCT.title, "讲解中", "仅剩 件 已售罄 ￥", "满199减30 剩余 张 限时领券", "秒杀 · 剩 件", "置顶 · ",
             "摄像头已断开 正在重新连接…"] + [n + "：" + t for n, t in DEMO_COMMENTS]
    for text in texts:
        assert qtrender.missing_glyphs(text, qtrender.font(20)) == "", text
        assert qtrender.missing_glyphs(text, qtrender.font(20, bold=True)) == "", text


def test_renderers_draw_something_of_the_right_shape():
    for image in (cards.render_product_card(PRODUCT), cards.render_coupon_banner(cards.CouponContent("满199减30", 65, 3, 10)),
                  cards.render_flash_sale(cards.FlashSaleContent("保温杯", 59.9, 8, 30)),
                  cards.render_comments(cards.CommentsContent((("小鹿", "你好"),))),
                  cards.render_pinned_comment(cards.PinnedCommentContent("小鹿", "几号发货"))):
        assert image.ndim == 3 and image.shape[2] == 4 and image.dtype == np.uint8
        assert (image[:, :, 3] > 0).mean() > 0.01
        assert (image[:, :, :3] <= image[:, :, 3:4]).all()  # premultiplied


def _ink_columns(image: np.ndarray) -> int:
    return int((image[:, :, 1] > 200).any(axis=0).sum())  # bright text pixels


def test_comment_markup_is_drawn_as_typed():
    markup = cards.render_comments(cards.CommentsContent((("a", "<b>加粗</b>"),)))
    plain = cards.render_comments(cards.CommentsContent((("a", "加粗"),)))
    assert _ink_columns(markup) > _ink_columns(plain) + 20  # the tags themselves are on screen


def test_overlay_set_renders_only_on_change_and_hides():
    comp = Compositor(1280, 720)
    overlays = OverlaySet(comp)
    assert overlays.update("product_card", PRODUCT)
    assert not overlays.update("product_card", cards.ProductCardContent("【直播专享】真空保温杯 500ml", 89, 159, 12))
    assert overlays.renders("product_card") == 1
    assert overlays.update("product_card", cards.ProductCardContent(PRODUCT.title, 89, 159, 11))
    assert overlays.renders("product_card") == 2
    x0, y0, x1, y1 = comp.layers()[0].rect
    assert x0 < 100 and y1 > 600  # bottom-left by default
    overlays.set_enabled("product_card", False)
    assert comp.layers() == ()
    overlays.set_enabled("product_card", True)
    overlays.update("product_card", None)
    assert comp.layers() == ()


def _over_white(pixel: np.ndarray) -> np.ndarray:
    """A premultiplied BGRA pixel composited over a white picture (the worst case behind the ticker)."""
    alpha = pixel[3] / 255
    return pixel[:3].astype(float) + 255 * (1 - alpha)


def _luminance(bgr: np.ndarray) -> float:
    channels = [(c / 255 / 12.92) if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in bgr[::-1]]
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def test_the_ticker_reads_over_a_white_picture():
    """Issue #26: small gold nicknames on a see-through pill smeared at 720p / 2.5 Mb/s. Over a white picture the
    pill must still give the nickname and the text a contrast of at least 4.5 : 1 (WCAG AA for body text)."""
    image = cards.render_comments(cards.CommentsContent((("小鹿爱喝茶", "几号发货呀"),)))
    row = image[image.shape[0] - 20]  # through the one comment's middle
    pill = next(px for px in row[2:] if px[3] > 0 and abs(int(px[0]) - int(px[2])) < 3)  # the pill's own dark
    ink = max(row, key=lambda px: int(px[1]) + int(px[2]))  # the brightest stroke: gold or white text
    background, text = _luminance(_over_white(pill)), _luminance(_over_white(ink))
    assert (text + 0.05) / (background + 0.05) >= 4.5, (pill, ink)


def test_a_long_title_keeps_its_end_on_the_card():
    """The size is the information: a title too long for the card shrinks, then is cut in its middle."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    long_title = "【直播专享】真空不锈钢大容量保温杯 户外便携 男女学生 500ml"
    px, shown = cards.fit_title(long_title, 300)
    assert shown.endswith("500ml") and "…" in shown and px == cards.TITLE_MIN_PX
    assert cards.fit_title("保温杯 500ml", 300) == (cards.TITLE_PX, "保温杯 500ml")  # short: whole, full size
    middle = cards.fit_title("保温杯 真空 500ml", qtrender_width("保温杯 真空 500ml", cards.TITLE_PX - 2))
    assert middle[1] == "保温杯 真空 500ml" and cards.TITLE_MIN_PX <= middle[0] < cards.TITLE_PX  # shrunk, whole

    @settings(max_examples=40, deadline=None)
    @given(st.text(alphabet="保温杯真空不锈钢大容量ml0123456789 【】", min_size=1, max_size=60),
           st.integers(min_value=120, max_value=600))
    def fits(title, width):
        px, shown = cards.fit_title(title, width)
        assert qtrender_width(shown, px) <= width + 1

    fits()


def qtrender_width(text: str, px: int) -> int:
    from PySide6.QtGui import QFontMetrics

    return QFontMetrics(qtrender.font(px, bold=True)).horizontalAdvance(text)
