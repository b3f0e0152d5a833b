// Progressive only: every page reads and works without it.
// Inside Telegram, a Mini App is opened with its theme in the address's fragment
// (tgWebAppThemeParams); the page takes its colours from it and keeps them for the pages it
// links to. Telegram's fragment replaces ours (#pN), so the marked passage is scrolled to here.
(function () {
  "use strict";
  var KEY = "citebot-theme";
  var root = document.documentElement;
  function apply(params) {
    for (var name in params) {
      if (Object.prototype.hasOwnProperty.call(params, name) && /^[a-z_]+$/.test(name) &&
          /^#[0-9a-fA-F]{3,8}$/.test(String(params[name]))) {
        root.style.setProperty("--tg-theme-" + name.replace(/_/g, "-"), params[name]);
      }
    }
    var bg = String(params.bg_color || "");
    if (/^#[0-9a-fA-F]{6}$/.test(bg)) {
      var n = parseInt(bg.slice(1), 16);
      var light = 0.299 * (n >> 16) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255);
      root.classList.toggle("tg-dark", light < 128);
    }
  }
  var params = null;
  try {
    var found = new URLSearchParams(window.location.hash.slice(1)).get("tgWebAppThemeParams");
    if (found) {
      params = JSON.parse(found);
      window.sessionStorage.setItem(KEY, JSON.stringify(params));
    } else {
      params = JSON.parse(window.sessionStorage.getItem(KEY) || "null");
    }
  } catch (e) {
    params = null;
  }
  if (params && typeof params === "object") { apply(params); }
  document.addEventListener("DOMContentLoaded", function () {
    if (/^#p\d+$/.test(window.location.hash)) { return; }  // the browser opened it there
    var at = document.querySelector(".focus") || document.querySelector("mark");
    if (at) { at.scrollIntoView({ block: "start" }); }
  });
})();
