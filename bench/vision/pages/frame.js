// Shared by the bench/vision pages (see ../render.ts). The page is laid out in a body of
// exactly the screen size named by the URL hash (#1920x1080), so the layout does not
// depend on the viewport chromium gives a --dump-dom run versus a --screenshot run.
// Then the boxes of every [data-target] element (buttons, labels, icons, fields) are
// written into a hidden <pre id="vmlab-targets"> for the bench to crop templates from.
(function () {
  var m = /^#(\d+)x(\d+)$/.exec(location.hash);
  var W = m ? Number(m[1]) : innerWidth;
  var H = m ? Number(m[2]) : innerHeight;
  var body = document.body;
  body.style.width = W + "px";
  body.style.height = H + "px";
  body.classList.add(W >= 1600 ? "large" : "small");
  if (typeof window.vmlabFill === "function") window.vmlabFill(W, H);
  var out = [];
  var els = document.querySelectorAll("[data-target]");
  for (var i = 0; i < els.length; i++) {
    var r = els[i].getBoundingClientRect();
    if (r.width < 4 || r.height < 4 || r.left < 0 || r.top < 0 || r.right > W || r.bottom > H) continue;
    out.push({ kind: els[i].getAttribute("data-target"), x: Math.round(r.left), y: Math.round(r.top), w: Math.round(r.width), h: Math.round(r.height) });
  }
  var pre = document.createElement("pre");
  pre.id = "vmlab-targets";
  pre.hidden = true;
  pre.textContent = JSON.stringify(out);
  body.appendChild(pre);
})();
