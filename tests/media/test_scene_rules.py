"""场景's rules, one by one: each refusal says exactly why (Chinese, then English), at its edge and not before; the
default scenes' places; scenes saved and read back with every field; a studio's own source checked."""

from __future__ import annotations

import pytest

from app.media.reframe import Region
from app.media.scenes import (NAME_MAX, SPEC_MAX, Scene, SceneError, SceneItem, check_input, default_scenes,
                              make_item, make_scene, scenes_from_json, scenes_to_json)

BETWEEN = "{what} 需在 {low}–{high} 之间 / {what} must be between {low} and {high}"


def refused(call, *args, **kwargs) -> str:
    with pytest.raises(SceneError) as caught:
        call(*args, **kwargs)
    return str(caught.value)


@pytest.mark.parametrize("kwargs,message", [
    (dict(input=""), f"来源名称需为 1–{NAME_MAX} 个字符 / a source's name is 1–{NAME_MAX} characters"),
    (dict(input="   "), f"来源名称需为 1–{NAME_MAX} 个字符 / a source's name is 1–{NAME_MAX} characters"),
    (dict(input=None), f"来源名称需为 1–{NAME_MAX} 个字符 / a source's name is 1–{NAME_MAX} characters"),
    (dict(input="c" * (NAME_MAX + 1)), f"来源名称需为 1–{NAME_MAX} 个字符 / a source's name is 1–{NAME_MAX} characters"),
    (dict(input="camera", x=1.01), BETWEEN.format(what="x", low=0, high=1)),
    (dict(input="camera", y=-0.01), BETWEEN.format(what="y", low=0, high=1)),
    (dict(input="camera", width=float("nan")), BETWEEN.format(what="width", low=0, high=1)),
    (dict(input="camera", height=True), BETWEEN.format(what="height", low=0, high=1)),
    (dict(input="camera", opacity="1"), BETWEEN.format(what="opacity", low=0, high=1)),
    (dict(input="camera", opacity=1.5), BETWEEN.format(what="opacity", low=0, high=1)),
    (dict(input="camera", width=0), "宽高需大于 0 / width and height must be above 0"),
    (dict(input="camera", height=0.0), "宽高需大于 0 / width and height must be above 0"),
    (dict(input="camera", crop=(0, 0, 0)), "裁剪需为 左、上、右、下 四个比例 / crop is four fractions: left, top, right, bottom"),
    (dict(input="camera", crop="0000"), "裁剪需为 左、上、右、下 四个比例 / crop is four fractions: left, top, right, bottom"),
    (dict(input="camera", crop=(0, 0, 0, 0.96)), BETWEEN.format(what="crop", low=0, high=0.95)),
    (dict(input="camera", crop=(0.5, 0, 0.45, 0)), "裁剪过多 / the crop leaves nothing to show"),
    (dict(input="camera", crop=(0, 0.9, 0, 0.05)), "裁剪过多 / the crop leaves nothing to show"),
    (dict(input="camera", crop=(0.95, 0, 0, 0)), "裁剪过多 / the crop leaves nothing to show"),
    (dict(input="camera", crop=(0, 0.95, 0, 0)), "裁剪过多 / the crop leaves nothing to show"),
    (dict(input="camera", fit="stretch"), "适配方式为 crop 或 letterbox / fit is crop or letterbox"),
    (dict(input="camera", fit=None), "适配方式为 crop 或 letterbox / fit is crop or letterbox"),
    (dict(input="camera", visible=1), "visible 需为 true 或 false / visible is true or false"),
    (dict(input="camera", visible="yes"), "visible 需为 true 或 false / visible is true or false"),
])
def test_each_bad_item_is_refused_with_its_reason(kwargs, message):
    assert refused(make_item, **kwargs) == message


def test_an_item_at_its_edges_is_taken_whole():
    item = make_item(" camera ", 0, 1, 1, 0.01, False, 0, [0.94, 0.0, 0.0, 0.9], "letterbox")
    assert item == SceneItem("camera", 0.0, 1.0, 1.0, 0.01, False, 0.0, (0.94, 0.0, 0.0, 0.9), "letterbox")
    assert isinstance(item.x, float) and isinstance(item.crop, tuple) and isinstance(item.opacity, float)
    assert make_item("c" * NAME_MAX).input == "c" * NAME_MAX
    assert make_item("camera") == SceneItem("camera", 0.0, 0.0, 1.0, 1.0, True, 1.0, (0.0, 0.0, 0.0, 0.0), "crop")
    assert make_item("camera", crop=(0.47, 0.0, 0.47, 0.0)).crop == (0.47, 0.0, 0.47, 0.0)  # 0.94 in all: kept


def test_an_item_is_placed_in_whole_pixels_inside_the_canvas():
    assert SceneItem("a", 0.25, 0.5, 0.5, 0.25).rect(640, 360) == (160, 180, 480, 270)
    assert SceneItem("a", 0.7, 0.8, 0.5, 0.5).rect(100, 100) == (70, 80, 100, 100)  # cut at the canvas's edge
    assert SceneItem("a", 0.333, 0.0, 0.333, 1.0).rect(100, 50) == (33, 0, 67, 50)


@pytest.mark.parametrize("name,spec,message", [
    ("", "cam:1", f"来源名称需为 1–{NAME_MAX} 个可见字符 / a source's name is 1–{NAME_MAX} printable characters"),
    (None, "cam:1", f"来源名称需为 1–{NAME_MAX} 个可见字符 / a source's name is 1–{NAME_MAX} printable characters"),
    (5, "cam:1", f"来源名称需为 1–{NAME_MAX} 个可见字符 / a source's name is 1–{NAME_MAX} printable characters"),
    ("n" * (NAME_MAX + 1), "cam:1",
     f"来源名称需为 1–{NAME_MAX} 个可见字符 / a source's name is 1–{NAME_MAX} printable characters"),
    ("a\x00b", "cam:1", f"来源名称需为 1–{NAME_MAX} 个可见字符 / a source's name is 1–{NAME_MAX} printable characters"),
    ("camera", "cam:1", "“camera”是内置来源的名称 / 'camera' is a built-in source's name"),
    ("product", "cam:1", "“product”是内置来源的名称 / 'product' is a built-in source's name"),
    ("background", "a.png", "“background”是内置来源的名称 / 'background' is a built-in source's name"),
    ("overlay.x", "a.png", "“overlay.x”是内置来源的名称 / 'overlay.x' is a built-in source's name"),
    ("侧机位", "", "来源需为摄像头（cam:编号）、手机机位（guest:名称）、图片或视频文件的路径 / a source is cam:N, "
                 "guest:NAME (a phone), or an image or video file"),
    ("侧机位", None, "来源需为摄像头（cam:编号）、手机机位（guest:名称）、图片或视频文件的路径 / a source is cam:N, "
                   "guest:NAME (a phone), or an image or video file"),
    ("侧机位", "x" * (SPEC_MAX + 1), "来源需为摄像头（cam:编号）、手机机位（guest:名称）、图片或视频文件的路径 / a source "
                                   "is cam:N, guest:NAME (a phone), or an image or video file"),
    ("侧机位", "a\nb.png", "来源需为摄像头（cam:编号）、手机机位（guest:名称）、图片或视频文件的路径 / a source is "
                         "cam:N, guest:NAME (a phone), or an image or video file"),
    ("侧机位", "cam: ", "摄像头需写编号，如 cam:1 / a camera needs its number, e.g. cam:1"),
    ("侧机位", "guest:  ", "手机机位需写名称，如 guest:手机1 / a phone's seat needs its name, e.g. guest:手机1"),
])
def test_each_bad_source_is_refused_with_its_reason(name, spec, message):
    assert refused(check_input, name, spec) == message


def test_a_source_is_taken_tidied():
    assert check_input("  侧  机位 ", " cam:2 ") == ("侧 机位", "cam:2")
    assert check_input("n" * NAME_MAX, "x" * SPEC_MAX) == ("n" * NAME_MAX, "x" * SPEC_MAX)
    assert check_input("手机", "guest:手机1") == ("手机", "guest:手机1")
    assert check_input("overlay", "testsrc") == ("overlay", "testsrc")  # only "overlay." names an overlay


@pytest.mark.parametrize("name,clip,message", [
    ("", None, f"场景名称需为 1–{NAME_MAX} 个可见字符 / a scene's name is 1–{NAME_MAX} printable characters"),
    ("s" * (NAME_MAX + 1), None,
     f"场景名称需为 1–{NAME_MAX} 个可见字符 / a scene's name is 1–{NAME_MAX} printable characters"),
    ("a\x07", None, f"场景名称需为 1–{NAME_MAX} 个可见字符 / a scene's name is 1–{NAME_MAX} printable characters"),
    ("s", [0.5, 0.5], "竖屏切片区域要是 [中心x, 中心y, 高度]，各在 0–1 之间 / a vertical clip region is [cx, cy, height], "
                      "shares 0-1"),
    ("s", "0.5,0.5,1", "竖屏切片区域要是 [中心x, 中心y, 高度]，各在 0–1 之间 / a vertical clip region is [cx, cy, "
                       "height], shares 0-1"),
    ("s", [0.5, 0.5, 0.05], "竖屏切片区域要是 [中心x, 中心y, 高度]，各在 0–1 之间 / a vertical clip region is [cx, cy, "
                            "height], shares 0-1"),
    ("s", [0.5, None, 1.0], "竖屏切片区域要是 [中心x, 中心y, 高度]，各在 0–1 之间 / a vertical clip region is [cx, cy, "
                            "height], shares 0-1"),
])
def test_each_bad_scene_is_refused_with_its_reason(name, clip, message):
    assert refused(make_scene, name, [make_item("camera")], clip) == message


def test_a_scene_is_named_tidied_and_keeps_its_clip():
    scene = make_scene("  主播  全屏 ", [make_item("camera")], (0.4, 0.5, 0.8))
    assert scene == Scene("主播 全屏", (make_item("camera"),), Region(0.4, 0.5, 0.8))
    assert make_scene("s", [], Region(0.1, 0.2, 0.3)).clip == Region(0.1, 0.2, 0.3)
    assert make_scene("s" * NAME_MAX, []).clip is None


def test_the_default_scenes_and_their_places():
    assert scenes_to_json(default_scenes()) == [
        {"name": "主播全屏 Host", "items": [
            {"input": "background", "x": 0.0, "y": 0.0, "width": 1.0, "height": 1.0, "visible": True, "opacity": 1.0,
             "crop": [0.0, 0.0, 0.0, 0.0], "fit": "crop"},
            {"input": "camera", "x": 0.0, "y": 0.0, "width": 1.0, "height": 1.0, "visible": True, "opacity": 1.0,
             "crop": [0.0, 0.0, 0.0, 0.0], "fit": "letterbox"}]},
        {"name": "主播+商品 Host + product", "items": [
            {"input": "background", "x": 0.0, "y": 0.0, "width": 1.0, "height": 1.0, "visible": True, "opacity": 1.0,
             "crop": [0.0, 0.0, 0.0, 0.0], "fit": "crop"},
            {"input": "camera", "x": 0.0, "y": 0.0, "width": 1.0, "height": 1.0, "visible": True, "opacity": 1.0,
             "crop": [0.0, 0.0, 0.0, 0.0], "fit": "letterbox"},
            {"input": "product", "x": 0.62, "y": 0.52, "width": 0.34, "height": 0.42, "visible": True,
             "opacity": 1.0, "crop": [0.0, 0.0, 0.0, 0.0], "fit": "letterbox"}]},
        {"name": "商品特写 Product", "items": [
            {"input": "product", "x": 0.0, "y": 0.0, "width": 1.0, "height": 1.0, "visible": True, "opacity": 1.0,
             "crop": [0.0, 0.0, 0.0, 0.0], "fit": "letterbox"},
            {"input": "camera", "x": 0.70, "y": 0.04, "width": 0.26, "height": 0.26, "visible": True,
             "opacity": 1.0, "crop": [0.0, 0.0, 0.0, 0.0], "fit": "crop"}]},
    ]
    bare = make_scene("s", [make_item("overlay."), make_item("overlay.notice")])  # "overlay." names no layer
    assert bare.inputs == ("overlay.",) and bare.overlays == frozenset({"notice"})
    first = default_scenes()[1]
    assert first.inputs == ("background", "camera", "product") and first.overlays == frozenset()


def test_saved_scenes_read_back_with_every_field():
    scenes = [make_scene("A", [make_item("camera", 0.1, 0.2, 0.3, 0.4, False, 0.5, (0.1, 0.2, 0.3, 0.4), "letterbox"),
                               make_item("overlay.product_card", 0.5, 0.5, 0.5, 0.5)], (0.3, 0.6, 0.9)),
              make_scene("B", [])]
    saved = scenes_to_json(scenes)
    assert "clip" not in saved[1] and saved[0]["clip"] == [0.3, 0.6, 0.9]
    assert scenes_from_json(saved) == scenes
    assert scenes[0].inputs == ("camera",) and scenes[0].overlays == frozenset({"product_card"})
    only_input = scenes_from_json([{"name": "C", "items": [{"input": "camera", "colour": "red"}]}])  # unknown: left
    assert only_input == [make_scene("C", [make_item("camera")])]


@pytest.mark.parametrize("data,message", [
    ([], "场景列表为空 / no scenes"),
    ({"name": "A", "items": []}, "场景列表为空 / no scenes"),
    (None, "场景列表为空 / no scenes"),
    ([{"name": "A", "items": []}, "B"], "第 2 个场景：格式不对 / scene 2: not a scene"),
    ([{"name": "A"}], "第 1 个场景：格式不对 / scene 1: not a scene"),
    ([{"name": "A", "items": {}}], "第 1 个场景：格式不对 / scene 1: not a scene"),
    ([{"name": "A", "items": ["camera"]}], "第 1 个场景：格式不对 / scene 1: not a scene item"),
    ([{"name": "A", "items": []}, {"name": "B", "items": [{"input": "camera", "x": 2}]}],
     "第 2 个场景：x 需在 0–1 之间 / scene 2: x must be between 0 and 1"),
    ([{"name": "", "items": []}],
     f"第 1 个场景：场景名称需为 1–{NAME_MAX} 个可见字符 / scene 1: a scene's name is 1–{NAME_MAX} printable characters"),
    ([{"name": "A", "items": []}, {"name": " A ", "items": []}], "场景重名 / two scenes are named A"),
])
def test_saved_scenes_that_cannot_be_are_named(data, message):
    assert refused(scenes_from_json, data) == message

