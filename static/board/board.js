// Room board: re-fetch the board's main part every few seconds and swap it in place (no
// reload). The server answers 304 when nothing changed (ETag). Same origin only (CSP).
(function () {
  "use strict";
  var main = document.getElementById("board");
  var offline = document.getElementById("offline");
  if (!main || !window.fetch) {
    return;
  }
  var url = main.getAttribute("data-refresh-url");
  var every = Math.max(1, Number(main.getAttribute("data-refresh-seconds")) || 15) * 1000;
  var etag = null;
  var polls = 0;

  function done(ok) {
    polls += 1;
    main.setAttribute("data-polls", String(polls));
    if (offline) {
      offline.hidden = ok;
    }
    window.setTimeout(refresh, every);
  }

  function refresh() {
    var headers = { "Accept": "text/html" };
    if (etag) {
      headers["If-None-Match"] = etag;
    }
    fetch(url, { headers: headers, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 304) {
          return null;
        }
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        etag = response.headers.get("ETag");
        return response.text();
      })
      .then(function (html) {
        if (html !== null) {
          main.innerHTML = html;
        }
        done(true);
      })
      .catch(function () {
        done(false);
      });
  }

  window.setTimeout(refresh, every);
})();
