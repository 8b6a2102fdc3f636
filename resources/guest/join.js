// The guests' door's page: the camera (and microphone) to the console by WebRTC, nothing else. The link's token
// is in the fragment (#t=…), which the browser never sends to a server; it is used once, and the console's
// rejoin key (kept for this tab only) brings the phone back after a drop.
"use strict";

const statusBox = document.getElementById("status");
const selfView = document.getElementById("self");
const fragment = new URLSearchParams(location.hash.slice(1));
let token = fragment.get("t");
history.replaceState(null, "", location.pathname);  // the token leaves the address bar
let key = sessionStorage.getItem("anchor-guest-key");
// a guest shows themselves (the front camera); a phone camera looks at the product (the back one)
let facing = sessionStorage.getItem("anchor-guest-facing") || (fragment.get("k") === "guest" ? "user" : "environment");
let stream = null, pc = null, socket = null, retryMs = 1000, stopped = false;

function say(text, kind) {
  statusBox.textContent = text;
  statusBox.className = kind || "";
}

async function openCamera() {
  const video = { facingMode: facing, width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } };
  const audio = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
  const next = await navigator.mediaDevices.getUserMedia({ video: video, audio: audio });
  if (stream) stream.getTracks().forEach(t => t.stop());
  stream = next;
  selfView.srcObject = stream;
}

function gathered(connection) {
  return new Promise(resolve => {
    if (connection.iceGatheringState === "complete") return resolve();
    const timer = setTimeout(resolve, 3000);
    connection.addEventListener("icegatheringstatechange", () => {
      if (connection.iceGatheringState === "complete") { clearTimeout(timer); resolve(); }
    });
  });
}

function hangUp() {
  programStream = null;  // a new connection brings new tracks
  if (pc) { pc.close(); pc = null; }
  if (socket) { socket.onclose = null; socket.close(); socket = null; }
}

function retry() {
  hangUp();
  if (stopped) return;
  say("连接中断，正在重连… / connection lost, reconnecting…", "bad");
  setTimeout(connect, retryMs);
  retryMs = Math.min(retryMs * 2, 10000);
}

async function connect() {
  if (stopped) return;
  if (!token && !key) { say("链接无效：请重新扫描中控台上的二维码 / no invitation: scan the console's code again", "bad"); return; }
  pc = new RTCPeerConnection({ iceServers: [] });
  stream.getTracks().forEach(t => pc.addTrack(t, stream));
  pc.addEventListener("track", event => showProgram(event.track));  // a guest's: the program comes back
  pc.addEventListener("connectionstatechange", () => {
    if (pc && pc.connectionState === "connected") retryMs = 1000;
    if (pc && (pc.connectionState === "failed" || pc.connectionState === "closed")) retry();
  });
  socket = new WebSocket("wss://" + location.host + "/signal");
  socket.onclose = retry;
  socket.onmessage = async event => {
    const message = JSON.parse(event.data);
    if (message.type === "answer") {
      await pc.setRemoteDescription({ type: "answer", sdp: message.sdp });
      key = message.key; token = null;
      sessionStorage.setItem("anchor-guest-key", key);
      document.getElementById("seat").textContent = message.seat;
      document.getElementById("kind").textContent = message.kind === "guest" ? "连麦嘉宾" : "手机机位";
      showAccepted(message.accepted);
    } else if (message.type === "state") {
      showAccepted(message.accepted);
    } else if (message.type === "error") {
      stopped = true;
      sessionStorage.removeItem("anchor-guest-key");
      hangUp();
      say(message.reason, "bad");
    }
  };
  await new Promise(resolve => socket.addEventListener("open", resolve, { once: true }));
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const join = { type: "join", sdp: pc.localDescription.sdp };
  if (key) join.key = key; else join.token = token;
  socket.send(JSON.stringify(join));
}

const program = document.getElementById("program");
const listen = document.getElementById("listen");
let programStream = null;

function showProgram(track) {
  if (!programStream || !program.srcObject) {
    programStream = new MediaStream();
    program.srcObject = programStream;
  }
  programStream.addTrack(track);
  program.style.display = "block";
  program.play().catch(() => { listen.style.display = "block"; });  // a phone plays sound after a tap only
}

listen.addEventListener("click", () => { listen.style.display = "none"; program.play(); });

function showAccepted(accepted) {
  if (accepted) say("直播中：画面已上播 / on air", "live");
  else say("已连接，等待主播接受 / connected: waiting for the console to accept");
}

document.getElementById("flip").addEventListener("click", async () => {
  facing = facing === "environment" ? "user" : "environment";
  sessionStorage.setItem("anchor-guest-facing", facing);
  await openCamera();
  if (pc) {
    for (const sender of pc.getSenders()) {
      const track = stream.getTracks().find(t => sender.track && t.kind === sender.track.kind);
      if (track) await sender.replaceTrack(track);
    }
  }
});

document.getElementById("hangup").addEventListener("click", () => {
  stopped = true;
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "bye" }));
  hangUp();
  say("已挂断 / hung up");
});

openCamera().then(connect).catch(error => {
  say("无法打开摄像头或麦克风：" + error.name + " / cannot open the camera or microphone", "bad");
});
