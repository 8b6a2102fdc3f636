"""The obs-websocket v5 subset as values and requests (docs/protocol.md, "obs-websocket subset"): the op codes,
close codes, request status codes and event subscriptions of the protocol; `Control` (what the console offers a
control surface); the authentication string; and each request the server answers (`REQUESTS`: name → handler of
the control and the request's data), with the protocol's answer shape (`response`). The transport — Hello,
Identify, batches, events, the door's limits — is `app.remote.obsws`.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Protocol

from app import __version__

RPC_VERSION = 1
OBS_WEBSOCKET_VERSION = "5.5.0"  # the protocol version this subset follows
VENDOR = "anchor-console"


class Op:
    HELLO, IDENTIFY, IDENTIFIED, REIDENTIFY = 0, 1, 2, 3
    EVENT, REQUEST, REQUEST_RESPONSE, REQUEST_BATCH, REQUEST_BATCH_RESPONSE = 5, 6, 7, 8, 9


class Close:
    """WebSocketCloseCode."""

    UNKNOWN_REASON = 4000
    MESSAGE_DECODE_ERROR = 4002
    MISSING_DATA_FIELD = 4003
    INVALID_DATA_FIELD_TYPE = 4004
    INVALID_DATA_FIELD_VALUE = 4005
    UNKNOWN_OP_CODE = 4006
    NOT_IDENTIFIED = 4007
    ALREADY_IDENTIFIED = 4008
    AUTHENTICATION_FAILED = 4009
    UNSUPPORTED_RPC_VERSION = 4010


class Status:
    """RequestStatus."""

    SUCCESS = 100
    MISSING_REQUEST_TYPE = 203
    UNKNOWN_REQUEST_TYPE = 204
    GENERIC_ERROR = 205
    UNSUPPORTED_BATCH_EXECUTION_TYPE = 206
    NOT_READY = 207
    MISSING_REQUEST_FIELD = 300
    MISSING_REQUEST_DATA = 301
    INVALID_REQUEST_FIELD = 400
    INVALID_REQUEST_FIELD_TYPE = 401
    REQUEST_FIELD_OUT_OF_RANGE = 402
    REQUEST_FIELD_EMPTY = 403
    OUTPUT_RUNNING = 500
    OUTPUT_NOT_RUNNING = 501
    RESOURCE_NOT_FOUND = 600
    INVALID_RESOURCE_STATE = 604


class Subscription:
    """EventSubscription bits: what a client asks to hear."""

    GENERAL, CONFIG, SCENES, INPUTS, TRANSITIONS, FILTERS, OUTPUTS = 1, 2, 4, 8, 16, 32, 64
    SCENE_ITEMS, MEDIA_INPUTS, VENDORS, UI = 128, 256, 512, 1024
    ALL = 2047  # without the high-volume ones


EVENT_INTENT = {"StreamStateChanged": Subscription.OUTPUTS, "RecordStateChanged": Subscription.OUTPUTS,
                "CurrentProgramSceneChanged": Subscription.SCENES, "InputMuteStateChanged": Subscription.INPUTS,
                "VendorEvent": Subscription.VENDORS, "ExitStarted": Subscription.GENERAL}


class RequestFailed(Exception):
    """A request that cannot be done: its status code and a comment (Chinese / English) for the client."""

    def __init__(self, code: int, comment: str) -> None:
        super().__init__(comment)
        self.code, self.comment = code, comment


class Control(Protocol):
    """What the console offers a control surface. Methods may block (a go-live) and raise RequestFailed."""

    def stream_status(self) -> dict: ...  # outputActive, outputReconnecting, outputTimecode, outputDuration, …
    def start_stream(self) -> None: ...
    def stop_stream(self) -> None: ...
    def record_status(self) -> dict: ...  # outputActive, outputPaused, outputTimecode, outputDuration, outputBytes
    def start_record(self) -> None: ...
    def stop_record(self) -> str: ...  # the recording's path
    def scene_names(self) -> list[str]: ...
    def program_scene(self) -> str: ...
    def set_program_scene(self, name: str) -> None: ...
    def input_list(self) -> list[tuple[str, str]]: ...  # (name, kind)
    def input_muted(self, name: str) -> bool: ...
    def set_input_muted(self, name: str, muted: bool) -> None: ...
    def stats(self) -> dict: ...
    def vendor_request(self, request_type: str, data: dict) -> dict: ...


def auth_string(password: str, salt: str, challenge: str) -> str:
    """What a client sends to prove it knows the password (the protocol's two SHA-256 rounds)."""
    secret = base64.b64encode(hashlib.sha256((password + salt).encode("utf-8")).digest()).decode()
    return base64.b64encode(hashlib.sha256((secret + challenge).encode("utf-8")).digest()).decode()


def field_of(data: dict, name: str, kind: type, *, empty_ok: bool = False):
    if name not in data:
        raise RequestFailed(Status.MISSING_REQUEST_FIELD, f"缺少字段 / missing field: {name}")
    value = data[name]
    if kind is bool and not isinstance(value, bool) or kind is str and not isinstance(value, str):
        raise RequestFailed(Status.INVALID_REQUEST_FIELD_TYPE, f"字段类型不对 / {name} must be a {kind.__name__}")
    if kind is str and not empty_ok and not value.strip():
        raise RequestFailed(Status.REQUEST_FIELD_EMPTY, f"字段为空 / {name} is empty")
    return value


def scalar(value):
    """A requestId echoed back: a string or number as sent, anything else dropped."""
    return value if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None


def response(request: dict, failure: RequestFailed | None, data: dict | None = None) -> dict:
    kind = request.get("requestType")
    reply = {"requestType": kind if isinstance(kind, str) else "", "requestId": scalar(request.get("requestId")),
             "requestStatus": {"result": failure is None, "code": Status.SUCCESS if failure is None else failure.code}}
    if failure is not None:
        reply["requestStatus"]["comment"] = failure.comment
    if data is not None and failure is None:
        reply["responseData"] = data
    return reply


# --- the requests ----------------------------------------------------------------------------------------------
def _get_version(control: Control, _data: dict) -> dict:
    import platform

    return {"obsVersion": f"anchor-console {__version__}", "obsWebSocketVersion": OBS_WEBSOCKET_VERSION,
            "rpcVersion": RPC_VERSION, "availableRequests": sorted(REQUESTS),
            "supportedImageFormats": [], "platform": platform.system().lower(),
            "platformDescription": platform.platform()}


def _toggle(active_key: str, start: Callable, stop: Callable, status: Callable):
    def handler(control: Control, _data: dict) -> dict:
        if status(control)[active_key]:
            stop(control)
            return {"outputActive": False}
        start(control)
        return {"outputActive": True}
    return handler


def _start(start: Callable, status: Callable):
    def handler(control: Control, _data: dict) -> dict:
        if status(control)["outputActive"]:
            raise RequestFailed(Status.OUTPUT_RUNNING, "已在进行 / already running")
        start(control)
        return {}
    return handler


def _stop_stream(control: Control, _data: dict) -> dict:
    if not control.stream_status()["outputActive"]:
        raise RequestFailed(Status.OUTPUT_NOT_RUNNING, "没有在直播 / not streaming")
    control.stop_stream()
    return {}


def _stop_record(control: Control, _data: dict) -> dict:
    if not control.record_status()["outputActive"]:
        raise RequestFailed(Status.OUTPUT_NOT_RUNNING, "没有在录制 / not recording")
    return {"outputPath": control.stop_record()}


def _scene_list(control: Control, _data: dict) -> dict:
    names = control.scene_names()
    program = control.program_scene()
    # OBS lists scenes with the highest index first (as its scene list shows them bottom-up)
    return {"currentProgramSceneName": program, "currentProgramSceneUuid": _uuid(program),
            "currentPreviewSceneName": None, "currentPreviewSceneUuid": None,
            "scenes": [{"sceneIndex": i, "sceneName": name, "sceneUuid": _uuid(name)}
                       for i, name in reversed(list(enumerate(names)))]}


def _current_scene(control: Control, _data: dict) -> dict:
    name = control.program_scene()
    return {"currentProgramSceneName": name, "currentProgramSceneUuid": _uuid(name),
            "sceneName": name, "sceneUuid": _uuid(name)}


def _named(data: dict, name_key: str, uuid_key: str, known: list[str], what: str) -> str:
    if name_key in data:
        name = field_of(data, name_key, str)
    elif uuid_key in data:
        uuid = field_of(data, uuid_key, str)
        name = next((n for n in known if _uuid(n) == uuid), "")
    else:
        raise RequestFailed(Status.MISSING_REQUEST_FIELD, f"缺少字段 / missing field: {name_key}")
    if name not in known:
        raise RequestFailed(Status.RESOURCE_NOT_FOUND, f"没有这个{what} / no {name_key[:-4]} named {name[:60]!r}")
    return name


def _set_scene(control: Control, data: dict) -> dict:
    control.set_program_scene(_named(data, "sceneName", "sceneUuid", control.scene_names(), "场景"))
    return {}


def _input_list(control: Control, data: dict) -> dict:
    kind = data.get("inputKind")
    return {"inputs": [{"inputName": name, "inputUuid": _uuid(name), "inputKind": k, "unversionedInputKind": k}
                       for name, k in control.input_list() if kind in (None, k)]}


def _input_name(control: Control, data: dict) -> str:
    return _named(data, "inputName", "inputUuid", [n for n, _ in control.input_list()], "来源")


def _get_mute(control: Control, data: dict) -> dict:
    return {"inputMuted": control.input_muted(_input_name(control, data))}


def _set_mute(control: Control, data: dict) -> dict:
    name = _input_name(control, data)
    control.set_input_muted(name, field_of(data, "inputMuted", bool))
    return {}


def _toggle_mute(control: Control, data: dict) -> dict:
    name = _input_name(control, data)
    muted = not control.input_muted(name)
    control.set_input_muted(name, muted)
    return {"inputMuted": muted}


def _vendor(control: Control, data: dict) -> dict:
    vendor = field_of(data, "vendorName", str)
    kind = field_of(data, "requestType", str)
    if vendor != VENDOR:
        raise RequestFailed(Status.RESOURCE_NOT_FOUND, f"没有这个扩展 / no vendor named {vendor[:60]!r} "
                                                       f"(this console is {VENDOR!r})")
    payload = data.get("requestData", {})
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        raise RequestFailed(Status.INVALID_REQUEST_FIELD_TYPE, "requestData is an object")
    return {"vendorName": vendor, "requestType": kind, "responseData": control.vendor_request(kind, payload)}


def _uuid(name: str) -> str:
    """A stable id for a scene or input (clients that address by uuid get the same one every time)."""
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


REQUESTS: dict[str, Callable[[Control, dict], dict]] = {
    "GetVersion": _get_version,
    "GetStats": lambda control, _data: control.stats(),
    "GetStreamStatus": lambda control, _data: control.stream_status(),
    "StartStream": _start(lambda c: c.start_stream(), lambda c: c.stream_status()),
    "StopStream": _stop_stream,
    "ToggleStream": _toggle("outputActive", lambda c: c.start_stream(), lambda c: c.stop_stream(),
                            lambda c: c.stream_status()),
    "GetRecordStatus": lambda control, _data: control.record_status(),
    "StartRecord": _start(lambda c: c.start_record(), lambda c: c.record_status()),
    "StopRecord": _stop_record,
    "ToggleRecord": _toggle("outputActive", lambda c: c.start_record(), lambda c: c.stop_record(),
                            lambda c: c.record_status()),
    "GetSceneList": _scene_list,
    "GetCurrentProgramScene": _current_scene,
    "SetCurrentProgramScene": _set_scene,
    "GetInputList": _input_list,
    "GetInputMute": _get_mute,
    "SetInputMute": _set_mute,
    "ToggleInputMute": _toggle_mute,
    "CallVendorRequest": _vendor,
}
