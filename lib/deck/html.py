"""The full-screen presentation as one self-contained HTML document (no network, no Streamlit).

Each visible slide is a ``<section>``: its title and message as real text
(sized to the window, so it stays large at 1024 x 768 as at 1920 x 1080,
and screen readers read it), and its chart as a PNG from lib/deck/images.py
with the slide's one-sentence description as alt text.

Keys, as in PowerPoint and for presentation clickers (which send Page Up /
Page Down, sometimes arrows or B):

==========================================  =============================
next                                        Right, Down, Page Down, Space, Enter
previous                                    Left, Up, Page Up, Backspace
first / last                                Home / End
speaker notes on/off                        N
full screen on/off                          F (the browser's Escape leaves it)
black screen on/off                         B or .
presenter view (notes, next slide, timer)   P: a second window, for the laptop's own screen
leave the presentation                      Q (also the "Exit" button)
==========================================  =============================

The document listens on its own window and, when it sits in a same-origin
frame (Streamlit's component iframe), on the parent page too, so the keys
work wherever the focus is; the previous listener is replaced on each render.
The slide shown is kept in the browser's sessionStorage so a rerun of the
page does not send the presenter back to slide 1.
"""

from __future__ import annotations

import base64
import html
import json

from lib.deck.slides import Slide
from lib.deck.text import tr

CSS = """
*{box-sizing:border-box}
html,body{margin:0;height:100%;background:#FFFFFF;color:#111111;
  font-family:"DejaVu Sans","Segoe UI",Arial,sans-serif;overflow:hidden}
#deck{position:fixed;inset:0;display:flex;flex-direction:column}
#stage{flex:1 1 auto;position:relative;min-height:0}
section.slide{position:absolute;inset:0;display:none;flex-direction:column;
  padding:calc(2.6vh + min(1.1vw,2vh)*2.4) 4vw 1.2vh 4vw}
section.slide.current{display:flex}
section.slide h1{margin:0 0 1.2vh 0;font-size:min(5.4vw,9vh);line-height:1.1;font-weight:800}
section.slide p.message{margin:0 0 1.5vh 0;font-size:min(3.3vw,5.6vh);line-height:1.25;max-width:92vw}
section.slide.text p.message{font-size:min(4.2vw,7vh);white-space:pre-line;margin-top:3vh}
section.slide figure{flex:1 1 auto;min-height:0;margin:0;display:flex;align-items:center;justify-content:center}
section.slide figure img{max-width:100%;max-height:100%;object-fit:contain}
section.slide footer{display:flex;justify-content:space-between;gap:2vw;white-space:normal;border-top:2px solid #D0D0D0;
  padding-top:.8vh;font-size:min(1.45vw,2.4vh);color:#3D3D3D}
section.slide footer span:last-child{white-space:nowrap}
#notes{display:none;flex:0 0 30vh;overflow:auto;background:#111111;color:#FFFFFF;padding:1.5vh 3vw;
  font-size:min(2vw,3.2vh);line-height:1.4;white-space:pre-wrap;border-top:4px solid #E69F00}
#deck.with-notes #notes{display:block}
#blank{display:none;position:fixed;inset:0;background:#000;z-index:5}
#deck.blank #blank{display:block}
#controls{position:fixed;right:1vw;top:1vh;display:flex;gap:.5vw;z-index:6;opacity:1;transition:opacity .4s}
#controls.idle{opacity:0}
#controls:focus-within{opacity:1}
#controls button{font:inherit;font-size:min(1.1vw,2vh);padding:.4em .8em;border:2px solid #111;
  background:#FFF;color:#111;border-radius:6px;cursor:pointer}
#controls button:focus-visible{outline:4px solid #0072B2;outline-offset:2px}
"""

SCRIPT = """
(function(){
  var deck = document.getElementById("deck");
  var slides = Array.prototype.slice.call(document.querySelectorAll("section.slide"));
  var notes = JSON.parse(document.getElementById("notes-data").textContent);
  var store = null;
  try { store = window.parent.sessionStorage; } catch (e) { try { store = window.sessionStorage; } catch (e2) {} }
  var KEY = "deck-slide:" + deck.getAttribute("data-deck");
  var current = 0;
  try { current = parseInt(store && store.getItem(KEY) || deck.getAttribute("data-start") || "0", 10) || 0; } catch (e) {}
  function show(i) {
    current = Math.max(0, Math.min(slides.length - 1, i));
    slides.forEach(function(s, j){ s.classList.toggle("current", j === current);
                                  s.setAttribute("aria-hidden", j === current ? "false" : "true"); });
    document.getElementById("notes").textContent = notes[current] || "";
    deck.setAttribute("data-current", String(current));
    document.getElementById("live").textContent = slides.length ? slides[current].getAttribute("aria-label") : "";
    try { store && store.setItem(KEY, String(current)); } catch (e) {}
    if (typeof post === "function") { post(); }
  }
  function fullscreen() {
    var doc = document, el = document.documentElement;
    try { if (window.parent !== window && window.parent.document) { doc = window.parent.document; el = doc.documentElement; } } catch (e) {}
    if (doc.fullscreenElement) { doc.exitFullscreen(); } else if (el.requestFullscreen) { el.requestFullscreen().catch(function(){}); }
  }
  var titles = slides.map(function(s){ return s.querySelector("h1").textContent; });
  var channel = null;
  try { channel = new BroadcastChannel("deck:" + deck.getAttribute("data-deck")); } catch (e) {}
  function post() {
    if (!channel) { return; }
    channel.postMessage({type: "show", i: current, n: slides.length, title: titles[current] || "",
                         next: titles[current + 1] || "", notes: notes[current] || ""});
  }
  if (channel) {
    channel.onmessage = function(ev) {
      var d = ev.data || {};
      if (d.type === "go") { show(current + d.delta); }
      if (d.type === "hello") { post(); }
    };
  }
  function presenterView() {
    var host = window;
    try { if (window.parent !== window && window.parent.document) { host = window.parent; } } catch (e) {}
    var w = host.open("", "deck-presenter-view", "width=1000,height=720");
    if (!w) { return; }
    var page = JSON.parse(document.getElementById("presenter-view").textContent)
      .replace("__CHANNEL__", JSON.stringify("deck:" + deck.getAttribute("data-deck")));
    w.document.open(); w.document.write(page); w.document.close();
  }
  function exit() {
    try {
      var doc = window.parent.document;
      if (doc.fullscreenElement) { doc.exitFullscreen(); }
      var btn = doc.querySelector(".st-key-deck_exit button");
      if (btn) { btn.click(); return; }
    } catch (e) {}
  }
  var actions = {
    next: function(){ show(current + 1); }, prev: function(){ show(current - 1); },
    first: function(){ show(0); }, last: function(){ show(slides.length - 1); },
    notes: function(){ deck.classList.toggle("with-notes"); },
    blank: function(){ deck.classList.toggle("blank"); },
    fullscreen: fullscreen, exit: exit, presenter: presenterView
  };
  var KEYS = {ArrowRight:"next", ArrowDown:"next", PageDown:"next", " ":"next", Enter:"next",
              ArrowLeft:"prev", ArrowUp:"prev", PageUp:"prev", Backspace:"prev",
              Home:"first", End:"last", n:"notes", N:"notes", f:"fullscreen", F:"fullscreen",
              b:"blank", B:"blank", ".":"blank", q:"exit", Q:"exit", p:"presenter", P:"presenter"};
  function onKey(ev) {
    var t = ev.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName || ""))) { return; }
    if (ev.altKey || ev.ctrlKey || ev.metaKey) { return; }
    var name = KEYS[ev.key];
    if (!name) { return; }
    if ((name === "next" || name === "prev") && ev.target && ev.target.tagName === "BUTTON" &&
        (ev.key === " " || ev.key === "Enter")) { return; }
    ev.preventDefault(); ev.stopPropagation();
    actions[name]();
  }
  window.addEventListener("keydown", onKey, true);
  try {
    var parent = window.parent;
    if (parent !== window && parent.document) {
      if (parent.__deckKeys) { parent.document.removeEventListener("keydown", parent.__deckKeys, true); }
      parent.__deckKeys = onKey;
      parent.document.addEventListener("keydown", onKey, true);
    }
  } catch (e) {}
  document.querySelectorAll("#controls button").forEach(function(b){
    b.addEventListener("click", function(){ actions[b.getAttribute("data-action")](); });
  });
  var controls = document.getElementById("controls"), timer = null;
  function wake(){ controls.classList.remove("idle"); clearTimeout(timer);
                   timer = setTimeout(function(){ controls.classList.add("idle"); }, 2500); }
  document.addEventListener("mousemove", wake); wake();
  deck.addEventListener("click", function(ev){ if (!ev.target.closest("#controls")) { window.focus(); } });
  window.deck = {show: show, actions: actions, current: function(){ return current; }, count: slides.length};
  show(current);
  window.focus();
})();
"""


def _section(slide: Slide, n: int, total: int, image: bytes | None, lang: str) -> str:
    kind = "text" if image is None else slide.kind
    label = f"{tr('slide_of', lang, n=n, total=total)}: {slide.title}"
    parts = [
        f'<section class="slide {html.escape(kind)}" data-key="{html.escape(slide.key)}" '
        f'aria-label="{html.escape(label)}" role="group">',
        f"<h1>{html.escape(slide.title)}</h1>",
        f'<p class="message">{html.escape(slide.message)}</p>',
    ]
    if image is not None:
        src = "data:image/png;base64," + base64.b64encode(image).decode("ascii")
        parts.append(f'<figure><img src="{src}" alt="{html.escape(slide.alt or slide.message)}"></figure>')
    else:
        parts.append('<figure aria-hidden="true"></figure>')
    line = " · ".join(p for p in (slide.period, slide.source) if p)
    parts.append(
        f"<footer><span>{html.escape(line)}</span>"
        f"<span>{html.escape(tr('slide_of', lang, n=n, total=total))}</span></footer></section>"
    )
    return "".join(parts)


BUTTONS = {
    "en": (
        ("prev", "◀ Previous"),
        ("next", "Next ▶"),
        ("notes", "Notes (N)"),
        ("presenter", "Presenter view (P)"),
        ("fullscreen", "Full screen (F)"),
        ("exit", "Exit (Q)"),
    ),
    "es": (
        ("prev", "◀ Anterior"),
        ("next", "Siguiente ▶"),
        ("notes", "Notas (N)"),
        ("presenter", "Vista del presentador (P)"),
        ("fullscreen", "Pantalla completa (F)"),
        ("exit", "Salir (Q)"),
    ),
}

# The presenter view: a second window (the laptop's screen while the slides are on the projector) with the
# current slide's title and notes, the next slide's title, the slide number and the time since it opened.
# It follows the deck and drives it through a BroadcastChannel (both windows share the app's origin).
PRESENTER_VIEW = """<!doctype html><html lang="__LANG__"><head><meta charset="utf-8"><title>__TITLE__</title>
<style>
body{margin:0;font-family:"DejaVu Sans","Segoe UI",Arial,sans-serif;background:#111;color:#FFF}
main{padding:24px 32px;display:flex;flex-direction:column;gap:16px;height:100vh;box-sizing:border-box}
header{display:flex;justify-content:space-between;font-size:24px;color:#E0E0E0}
h1{margin:0;font-size:40px;line-height:1.15}
#next{font-size:22px;color:#CFCFCF}
#notes{flex:1;overflow:auto;font-size:26px;line-height:1.45;white-space:pre-wrap;background:#1E1E1E;padding:16px;
  border-left:6px solid #E69F00}
nav{display:flex;gap:12px}
button{font:inherit;font-size:22px;padding:8px 20px;border-radius:6px;border:2px solid #FFF;background:#111;color:#FFF}
</style></head><body><main>
<header><span id="count"></span><span id="timer">0:00</span></header>
<h1 id="title"></h1><div id="next"></div><div id="notes" aria-live="polite"></div>
<nav><button id="prev">__PREV__</button><button id="go">__NEXT__</button></nav></main>
<script>
(function(){
  var channel = new BroadcastChannel(__CHANNEL__), began = Date.now();
  function go(delta){ channel.postMessage({type: "go", delta: delta}); }
  channel.onmessage = function(ev){
    var d = ev.data || {};
    if (d.type !== "show") { return; }
    document.getElementById("count").textContent = (d.i + 1) + " / " + d.n;
    document.getElementById("title").textContent = d.title;
    document.getElementById("next").textContent = d.next ? "__NEXT_LABEL__: " + d.next : "__END__";
    document.getElementById("notes").textContent = d.notes;
  };
  document.getElementById("prev").onclick = function(){ go(-1); };
  document.getElementById("go").onclick = function(){ go(1); };
  document.addEventListener("keydown", function(ev){
    if (["ArrowRight","ArrowDown","PageDown"," "].indexOf(ev.key) >= 0) { ev.preventDefault(); go(1); }
    if (["ArrowLeft","ArrowUp","PageUp"].indexOf(ev.key) >= 0) { ev.preventDefault(); go(-1); }
  });
  setInterval(function(){
    var s = Math.floor((Date.now() - began) / 1000);
    document.getElementById("timer").textContent = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }, 1000);
  channel.postMessage({type: "hello"});
})();
</script></body></html>"""
VIEW_WORDS = {
    "en": {
        "__PREV__": "◀ Previous",
        "__NEXT__": "Next ▶",
        "__NEXT_LABEL__": "Next",
        "__END__": "Last slide",
        "__TITLE__": "Presenter view",
    },
    "es": {
        "__PREV__": "◀ Anterior",
        "__NEXT__": "Siguiente ▶",
        "__NEXT_LABEL__": "Siguiente",
        "__END__": "Última diapositiva",
        "__TITLE__": "Vista del presentador",
    },
}


def presenter_view_html(lang: str) -> str:
    """The presenter view's page (its channel name is filled in by the deck when it opens the window)."""
    page = PRESENTER_VIEW.replace("__LANG__", lang if lang in VIEW_WORDS else "en")
    for key, word in VIEW_WORDS.get(lang, VIEW_WORDS["en"]).items():
        page = page.replace(key, html.escape(word))
    return page


def present_html(
    slides: list[Slide],
    images: dict[str, bytes | None],
    lang: str,
    deck_id: str = "deck",
    start: int = 0,
    notes: bool = False,
) -> str:
    """The presentation of ``slides`` (the visible ones, in order) with their chart images by slide key."""
    total = len(slides)
    sections = "".join(_section(s, i, total, images.get(s.key), lang) for i, s in enumerate(slides, 1))
    buttons = "".join(
        f'<button type="button" data-action="{a}">{html.escape(label)}</button>'
        for a, label in BUTTONS.get(lang, BUTTONS["en"])
    )
    notes_json = json.dumps([s.notes for s in slides]).replace("</", "<\\/")
    view_json = json.dumps(presenter_view_html(lang)).replace("</", "<\\/")
    return (
        f'<!doctype html><html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
        f"<style>{CSS}</style></head><body>"
        f'<div id="deck" class="{"with-notes" if notes else ""}" data-deck="{html.escape(deck_id)}" '
        f'data-start="{int(start)}" role="region" aria-roledescription="slide deck">'
        f'<div id="stage">{sections}</div><div id="notes" aria-label="Speaker notes"></div>'
        f'<div id="blank"></div><div id="controls">{buttons}</div>'
        f'<div id="live" aria-live="polite" style="position:absolute;left:-9999px"></div></div>'
        f'<script type="application/json" id="notes-data">{notes_json}</script>'
        f'<script type="application/json" id="presenter-view">{view_json}</script>'
        f"<script>{SCRIPT}</script></body></html>"
    )
