"""手机机位 / 连麦嘉宾: a phone or a guest's browser on the studio LAN becomes a scene source by opening a link
(a QR code) the console hands out — no app, no cloud: a page the console serves over HTTPS and WebRTC (aiortc).
`invites` keeps who may come in, `door` is the HTTPS/WebSocket door and the WebRTC peers, `feed` hands a seat's
latest picture from the door's thread to the pipeline's, `source` is the seat as a scene source."""
