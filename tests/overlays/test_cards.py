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
