"""The studio's menus: 叠加层 (overlays on or off, where they sit), 画面 (scenes, 绿幕抠像 and 美颜) and 管理
(banned words, highlighted keywords). Each edit goes to the studio desk (`service.desk`) and is kept in the
window's settings for the next start."""

from __future__ import annotations

import json
import logging

from PySide6.QtGui import QAction

from app.console import ActionRefused, FilterError, SceneError, scenes_from_json, scenes_to_json
from ui.i18n import QT_TR_NOOP, pick, tr

log = logging.getLogger(__name__)

# labels are (中文, English) pairs, shown through tr() when the window is built (the language is chosen by then)
OVERLAYS = [("product_card", QT_TR_NOOP("商品卡")), ("coupon", QT_TR_NOOP("优惠券")),
            ("flash_sale", QT_TR_NOOP("秒杀倒计时")), ("comments", QT_TR_NOOP("评论滚动")),
            ("pinned_comment", QT_TR_NOOP("置顶评论")), ("draw", QT_TR_NOOP("福袋")),
            ("reply", QT_TR_NOOP("回复卡")), ("notice", QT_TR_NOOP("公告"))]


class DeskMenus:
    """The studio's settings as the main window edits them (`window.desk`): the menus' actions and what they
    open; `window` gives the service, the settings and the status line."""

    def __init__(self, window) -> None:
        self.window = window
        self.service = window.service
        self.settings = window.settings
        self.overlay_actions: dict[str, QAction] = {}

    # --- 叠加层 ------------------------------------------------------------------------------------------------
    def build_overlay_menu(self) -> None:
        window, desk = self.window, self.service.desk
        menu = window.menuBar().addMenu(tr("叠加层"))
        for kind, label in OVERLAYS:
            action = QAction(tr(label), window, checkable=True)
            enabled = self.settings.value(f"overlays/{kind}", True, type=bool)
            action.setChecked(enabled)
            desk.set_overlay_enabled(kind, enabled)
            action.toggled.connect(lambda on, k=kind: self._toggle_overlay(k, on))
            menu.addAction(action)
            self.overlay_actions[kind] = action
            position = self.settings.value(f"overlays/{kind}/position")
            if position:
                desk.place_overlay(kind, *(int(v) for v in position))
        menu.addSeparator()
        place = menu.addMenu(tr("位置"))
        for kind, label in OVERLAYS:
            action = QAction(tr(label) + "…", window)
            action.triggered.connect(lambda _checked=False, k=kind, t=tr(label): self._ask_position(k, t))
            place.addAction(action)
        place.addSeparator()
        reset = QAction(tr("全部复位"), window)
        reset.triggered.connect(self.reset_overlay_positions)
        place.addAction(reset)

    def _ask_position(self, kind: str, label: str) -> None:
        from PySide6.QtWidgets import QInputDialog

        current = self.service.desk.settings.overlay_positions.get(kind, (24, 24))
        text, ok = QInputDialog.getText(self.window, label, tr("左上角 x,y（画面像素）"),
                                        text=f"{current[0]},{current[1]}")
        if ok:
            try:
                x, y = (int(v) for v in text.replace("，", ",").split(","))
            except ValueError:
                self.window.message(tr("格式应为 x,y"), error=True)
                return
            self.place_overlay(kind, x, y)

    def dropped_overlay(self, kind: str, x: int, y: int) -> None:
        """An overlay dragged in the preview and let go."""
        self.place_overlay(kind, x, y)
        self.window.message(tr("已摆放") + f" {self.window.preview.labels.get(kind, kind)} → {x},{y}")

    def reset_overlay_positions(self) -> None:
        for kind, _label in OVERLAYS:
            self.service.desk.reset_overlay_position(kind)
            self.settings.remove(f"overlays/{kind}/position")
        self.window.message(tr("叠加层已回到默认位置"))

    def place_overlay(self, kind: str, x: int, y: int) -> None:
        self.service.desk.place_overlay(kind, x, y)
        self.settings.setValue(f"overlays/{kind}/position", [x, y])

    def _toggle_overlay(self, kind: str, enabled: bool) -> None:
        self.service.desk.set_overlay_enabled(kind, enabled)
        self.settings.setValue(f"overlays/{kind}", enabled)

    # --- 画面: scenes and filters -------------------------------------------------------------------------------
    def build_picture_menu(self) -> None:
        window = self.window
        picture_menu = window.menuBar().addMenu(tr("画面"))
        edit_scenes = QAction(tr("编辑场景…"), window)
        edit_scenes.triggered.connect(lambda: self.edit_scenes())  # triggered(checked) must not become `scenes`
        filters = QAction(tr("绿幕抠像与美颜…"), window)
        filters.triggered.connect(lambda: self.edit_filters())  # … nor `values`
        self.guests_action = QAction(tr("手机机位 / 连麦嘉宾…"), window)
        self.guests_action.setToolTip(tr("手机或嘉宾的浏览器扫码成为画面来源，无需安装应用"))
        self.guests_action.triggered.connect(lambda: self.show_guests())
        picture_menu.addAction(edit_scenes)
        picture_menu.addAction(filters)
        picture_menu.addAction(self.guests_action)
        self.guest_dialog = None

    def show_guests(self) -> None:
        """手机机位 / 连麦嘉宾…: the dialog beside the window (one; raised when open already)."""
        from ui.guest_dialog import GuestDialog

        if self.guest_dialog is None:
            self.guest_dialog = GuestDialog(self.service, self.window)
        self.guest_dialog.show()
        self.guest_dialog.raise_()

    def scene_editor(self):
        """The 编辑场景 dialog on the studio's scenes, for the canvas chosen now (not shown: `edit_scenes` runs it)."""
        from ui.scene_editor import SceneEditor

        width, height, _fps = self.window.show_controls.canvas_size()
        desk = self.service.desk
        return SceneEditor(desk.settings.scenes, desk.scene_inputs(), width / height, self.window,
                           own_inputs=desk.settings.inputs, stills=self.service.stage.input_stills)

    def edit_scenes(self, scenes: list | None = None, inputs: dict | None = None) -> bool:
        """Edit the scenes and the studio's own sources (`scenes`, `inputs`: what the dialog would return, for
        tests): applied at once, on air too, kept in the settings, the 场景 dock's buttons rebuilt."""
        if scenes is None:
            dialog = self.scene_editor()
            if not dialog.exec():
                return False
            scenes, inputs = dialog.result_scenes, dialog.result_inputs
        try:
            if inputs is not None:
                self.service.desk.set_inputs(inputs)
            self.service.desk.set_scenes(scenes)
        except (ActionRefused, SceneError) as exc:
            self.window.message(pick(str(exc)), error=True)
            return False
        self.remember_scenes()
        self.window.scenes.rebuild()
        self.window.message(tr("场景已更新"))
        return True

    def edit_filters(self, values: tuple | None = None) -> bool:
        """The camera's 绿幕 key and 美颜 (`values`: what the dialog would return, for tests); kept in the settings."""
        from ui.filters_dialog import FiltersDialog

        if values is None:
            settings, stage = self.service.desk.settings, self.service.stage
            dialog = FiltersDialog(settings.chroma, settings.beauty, settings.background, self.window,
                                   still=stage.camera_still, key_colour=stage.key_colour)
            if not dialog.exec():
                return False
            values = dialog.values()
        try:
            self.service.desk.set_filters(*values)
        except FilterError as exc:
            self.window.message(pick(str(exc)), error=True)
            return False
        self.settings.setValue("filters/chroma", json.dumps(values[0]) if values[0] else "")
        self.settings.setValue("filters/beauty", values[1])
        self.settings.setValue("filters/background", values[2] if len(values) > 2 else "")
        return True

    def restore(self) -> None:
        """The studio's sources, scenes, the one on air and the filters as left last time (the defaults if none
        or unreadable)."""
        desk = self.service.desk
        inputs = self.settings.value("scenes/inputs")
        if inputs:
            try:
                desk.set_inputs(json.loads(str(inputs)))
            except (SceneError, ValueError, TypeError) as exc:
                log.warning("saved sources not used: %s", exc)
        saved = self.settings.value("scenes/list")
        if saved:
            try:
                desk.set_scenes(scenes_from_json(json.loads(str(saved))))
            except (SceneError, ValueError) as exc:
                log.warning("saved scenes not used: %s", exc)
        program = self.settings.value("scenes/program")
        if program in desk.scene_names():
            desk.switch_scene(str(program))
        try:
            chroma = self.settings.value("filters/chroma") or ""
            beauty = float(self.settings.value("filters/beauty", 0.0))
            background = str(self.settings.value("filters/background", "") or "")
            desk.set_filters(json.loads(chroma) if chroma else None, beauty, background)
        except (FilterError, ValueError, TypeError) as exc:
            log.warning("saved filters not used: %s", exc)

    def remember_scenes(self) -> None:
        settings = self.service.desk.settings
        self.settings.setValue("scenes/list", json.dumps(scenes_to_json(settings.scenes), ensure_ascii=False))
        self.settings.setValue("scenes/program", self.service.desk.program_scene)
        self.settings.setValue("scenes/inputs", json.dumps(dict(settings.inputs), ensure_ascii=False))

    # --- 管理: moderation -------------------------------------------------------------------------------------
    def build_moderation_menu(self) -> None:
        window = self.window
        menu = window.menuBar().addMenu(tr("管理"))
        banned = QAction(tr("屏蔽词…"), window)
        banned.triggered.connect(lambda: self._edit_words(tr("屏蔽词"), list(self.service.desk.settings.banned_words),
                                                          self.set_banned_words))
        keywords = QAction(tr("关键词高亮…"), window)
        keywords.triggered.connect(lambda: self._edit_words(tr("关键词"), window.comments.model.keywords,
                                                            self.set_keywords))
        alerts = QAction(tr("预警规则…"), window)
        alerts.setToolTip(tr("直播中何时提醒：在线下跌、转化偏低、库存、投诉词、券和秒杀剩余、推流健康"))
        alerts.triggered.connect(lambda: self.edit_alert_rules())  # triggered(checked) must not become `values`
        erase = QAction(tr("删除观众数据…"), window)
        erase.setToolTip(tr("观众要求删除个人信息时：按平台ID或昵称找到账号，删除其ID与昵称，计数保留"))
        erase.triggered.connect(self.erase_viewer)
        menu.addAction(banned)
        menu.addAction(keywords)
        menu.addAction(alerts)
        retention = QAction(tr("保留策略…"), window)
        retention.setToolTip(tr("场次保留多久、观众的ID与昵称何时换成化名"))
        retention.triggered.connect(self.edit_retention)
        menu.addSeparator()
        menu.addAction(erase)
        menu.addAction(retention)
        rules = self.settings.value("alerts/rules")
        if rules:
            try:
                self.service.desk.set_alert_rules(json.loads(str(rules)))
            except ValueError as exc:
                log.warning("saved alert rules not used: %s", exc)
        words = self.settings.value("moderation/banned")
        if words is not None:
            self.service.desk.set_banned_words(list(words) if isinstance(words, list) else [words])
        keys = self.settings.value("moderation/keywords")
        if keys is not None:
            window.comments.model.keywords = tuple(keys) if isinstance(keys, list) else (keys,)

    def erase_viewer(self) -> None:
        """删除观众数据: the dialog (one, shown again if open) over the history's search and erasure."""
        from ui.erase_viewer import EraseViewerDialog

        if getattr(self, "erase_dialog", None) is None:
            self.erase_dialog = EraseViewerDialog(self.service.history, self.window)
        self.erase_dialog.show()
        self.erase_dialog.raise_()
        self.erase_dialog.query.setFocus()

    def edit_retention(self) -> None:
        """保留策略: the dialog (one, shown again if open) over the history's retention policy."""
        from ui.retention_dialog import RetentionDialog

        if getattr(self, "retention_dialog", None) is None:
            self.retention_dialog = RetentionDialog(self.service.history, self.window)
        self.retention_dialog.show()
        self.retention_dialog.raise_()

    def edit_alert_rules(self, values: dict | None = None) -> bool:
        """预警规则 (`values`: what the dialog would return, for tests): the desk takes them (a show on air keeps the
        rules it started with), kept in the settings."""
        if values is None:
            from ui.alert_rules import AlertRulesDialog

            dialog = AlertRulesDialog(self.service.desk.settings.alert_rules.to_json(), self.window)
            if not dialog.exec():
                return False
            values = dialog.values()
        kept = self.service.desk.set_alert_rules(values)
        self.settings.setValue("alerts/rules", json.dumps(kept.to_json(), ensure_ascii=False))
        self.window.message(tr("预警规则已更新（下次开播生效）"))
        return True

    def _edit_words(self, title: str, current, apply) -> None:
        from PySide6.QtWidgets import QInputDialog

        text, ok = QInputDialog.getMultiLineText(self.window, title, tr("每行一个"), "\n".join(current))
        if ok:
            apply(text.splitlines())

    def block_user(self, user_id: str) -> None:
        self.service.desk.block_user(user_id)
        self.window.message(tr("已拉黑，其后续评论将被隐藏"))

    def set_banned_words(self, words: list[str]) -> None:
        self.service.desk.set_banned_words(words)
        kept = list(self.service.desk.settings.banned_words)
        self.settings.setValue("moderation/banned", kept)
        self.window.message(tr("屏蔽词已更新") + f" ({len(kept)})")

    def set_keywords(self, words: list[str]) -> None:
        model = self.window.comments.model
        model.keywords = tuple(w.strip() for w in words if w.strip())
        self.settings.setValue("moderation/keywords", list(model.keywords))
