/* curator's pages: character counts, copy buttons, the queue's keyboard and its next rows,
   the calendar's week keys (issue 14). A static file, so the Content-Security-Policy can forbid
   every inline script; its words come from the page (data-words), in the profile's language. */
(function () {
  "use strict";
  var csrf = document.body.dataset.csrf || "";
  var statusLine = document.getElementById("status");
  var words = {};
  try { words = JSON.parse(document.body.dataset.words || "{}"); } catch (e) { words = {}; }
  function word(key) { return words[key] || key; }

  function say(message, isError) {
    if (!statusLine) return;
    statusLine.textContent = message;
    statusLine.hidden = false;
    statusLine.classList.toggle("error", !!isError);
  }

  function count(textarea) {
    var out = textarea.form && textarea.form.querySelector("output.count");
    if (!out) return;
    var n = textarea.value.length, min = +textarea.dataset.min, max = +textarea.dataset.max;
    out.textContent = (out.dataset.template || "{n}")
      .replace("{n}", n).replace("{min}", min).replace("{max}", max);
    out.classList.toggle("short", n < min);
    out.classList.toggle("long", n > max);
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea.counted")) count(event.target);
  });
  function countAll(root) {
    root.querySelectorAll("textarea.counted").forEach(count);
  }
  countAll(document);
  document.body.addEventListener("htmx:afterSwap", function (event) { countAll(event.target); });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.copy");
    if (!button) return;
    var text = button.dataset.copy;
    if (navigator.clipboard) {
      navigator.clipboard.writeText(text).then(
        function () { say(button.dataset.done || word("copied")); },
        function () { say(word("copyRefused"), true); });
    }
  });

  function typingIn(target) { return /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName); }

  // Links that carry a key (the calendar's previous / this / next week) follow it.
  document.addEventListener("keydown", function (event) {
    if (typingIn(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
    var link = document.querySelector("a[data-key='" + event.key.replace(/['\\]/g, "") + "']");
    if (!link) return;
    event.preventDefault();
    link.click();
  });

  var queue = document.querySelector(".queue");
  if (!queue) return;
  var profile = queue.dataset.profile;
  var list = document.getElementById("entries");
  var filter = document.getElementById("filter");
  var decided = [];

  function rows() {
    return Array.prototype.filter.call(list.children, function (li) { return !li.hidden; });
  }
  // The next rows load when the user nears the end of the list (by key, by deciding, or by
  // scrolling to its foot), so the queue reads on past its first page without a reload.
  var moreBox = document.getElementById("more-rows");
  var moreUrl = moreBox ? moreBox.dataset.rows : null;
  var loading = null;
  var AHEAD = 10;  // rows left before the end when the next ones are asked for
  function matches(li) {
    var wanted = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    return wanted.every(function (w) { return li.dataset.search.indexOf(w) >= 0; });
  }
  // One retry after a short pause: a request lost on a connection the server was closing
  // must not look like the end of the queue.
  function fetchRows(url, retries) {
    return fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (answer) {
        if (!answer.ok) throw new Error(answer.statusText);
        return answer;
      })
      .catch(function (error) {
        if (!retries) throw error;
        return new Promise(function (wait) { setTimeout(wait, 300); })
          .then(function () { return fetchRows(url, retries - 1); });
      });
  }
  function loadMore() {
    if (loading) return loading;
    if (!moreUrl) return Promise.resolve(0);
    loading = fetchRows(moreUrl, 1)
      .then(function (answer) {
        moreUrl = answer.headers.get("X-Curator-More");
        return answer.text();
      })
      .then(function (html) {
        var box = document.createElement("template");
        box.innerHTML = html;
        var added = 0;
        Array.prototype.forEach.call(box.content.querySelectorAll("li[data-id]"), function (li) {
          if (document.getElementById(li.id)) return;  // listed already (the ranks moved)
          li.hidden = !matches(li);
          list.appendChild(li);
          added += 1;
        });
        if (!moreUrl && moreBox) moreBox.remove();
        else if (moreBox) moreBox.querySelector("a").href = moreUrl.replace("/rows?", "?");
        loading = null;
        return added;
      })
      .catch(function () { loading = null; say(word("moreFailed"), true); return 0; });
    return loading;
  }
  function nearEnd(li) {
    var all = rows();
    if (all.length - all.indexOf(li) <= AHEAD) loadMore();
  }
  if (moreBox && window.IntersectionObserver) {
    new IntersectionObserver(function (seen) {
      if (seen.some(function (e) { return e.isIntersecting; })) loadMore();
    }).observe(moreBox);
  }
  function current() { return list.querySelector("li[aria-current=true]"); }
  var pane = document.getElementById("pane");
  var panes = {};  // item id -> the pane's HTML, fetched ahead for the rows next to the current one
  function paneUrl(li) { return "/p/" + profile + "/queue/" + li.dataset.id; }
  function prefetch(li) {
    if (!li || panes[li.dataset.id]) return;
    var id = li.dataset.id;
    var promise = fetchRows(paneUrl(li), 1)
      .then(function (answer) { return answer.text(); })
      .then(function (html) { promise.ready = html; return html; })
      .catch(function () { if (panes[id] === promise) delete panes[id]; return null; });
    panes[id] = promise;
  }
  function neighbours(li) {
    var all = rows(), at = all.indexOf(li);
    prefetch(all[at + 1]);
    prefetch(all[at + 2]);
    prefetch(all[at - 1]);
  }
  // The next item shows at once from what was fetched ahead (issue 14: a key to the next item
  // within 100 ms), else once it has loaded. Every pane comes through `panes`, and one that
  // arrives after the user has moved on is dropped: the pane always shows the current row
  // (the row the keys act on), never a slower answer for a row left behind.
  function show(li) {
    var was = current();
    if (was) was.removeAttribute("aria-current");
    if (!li) { pane.textContent = ""; return; }
    li.setAttribute("aria-current", "true");
    nearEnd(li);
    li.scrollIntoView({ block: "nearest" });
    prefetch(li);
    var ahead = panes[li.dataset.id];
    if (ahead.ready) {
      fill(ahead.ready);
    } else {
      ahead.then(function (html) {
        if (current() !== li) return;
        if (html === null) say(word("unreachable"), true);
        else fill(html);
      });
    }
    neighbours(li);
  }
  function fill(html) {
    pane.innerHTML = html;
    if (window.htmx) htmx.process(pane);
    countAll(pane);
  }

  function move(step) {
    var all = rows(), at = all.indexOf(current());
    if (step > 0 && at + step >= all.length) {
      // past the last row listed: the next ones, then on
      loadMore().then(function (added) { if (added) move(step); });
      return;
    }
    var next = all[Math.min(Math.max(at + step, 0), all.length - 1)];
    if (next && next !== current()) show(next);
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "X-Requested-With": "curator" }
    }).then(function (answer) {
      // JSON from the actions; a refusal before them (CSRF, login) is a line of plain text
      return answer.json().then(function (data) {
        if (!answer.ok) throw new Error(data.error || word("refused"));
        return data;
      }, function () { throw new Error(word("refused")); });
    }, function () { throw new Error(word("unreachable")); });
  }
  // The decision leaves the list at once and the next item shows while the server saves it;
  // if it refuses, the page reloads on that item with the reason.
  function decide(action, body) {
    var li = current();
    if (!li) return;
    var id = li.dataset.id, all = rows(), at = all.indexOf(li);
    var next = all[at + 1] || null;
    li.hidden = true;
    delete panes[id];
    li.removeAttribute("aria-current");
    if (next) {
      show(next);
    } else {
      // the last row listed: the next ones load and the first shows; at the very end of the
      // queue, the row before it
      show(null);
      loadMore().then(function (added) {
        if (current()) return;
        var left = rows();
        var after = added ? left[left.indexOf(all[at - 1]) + 1] || left[0] : all[at - 1];
        if (after && !after.hidden) show(after);
        else if (!left.length) say(word("queueEmpty"));
      });
    }
    // The decision is undoable from the moment it is made, not once the server answers: a "u"
    // pressed while it is being saved takes back this one (after its save), not the one before.
    decided.push(li);
    li.saved = post("/p/" + profile + "/queue/" + id + "/" + action, body || new FormData()).then(
      function (data) { say(data.message); },
      function (error) {
        decided.splice(decided.indexOf(li), 1);
        li.hidden = false; show(li); say(error.message, true);
        return false;  // refused: never saved, nothing for an undo to take back
      });
  }
  function undo() {
    var li = decided.pop();
    if (!li) { say(word("nothingToUndo"), true); return; }
    var body = new FormData();
    body.append("item_id", li.dataset.id);
    li.saved.then(function (saved) {
      if (saved === false) return;
      return post("/p/" + profile + "/queue/undo", body).then(
        function (data) { delete panes[li.dataset.id]; li.hidden = false; show(li); say(data.message); },
        function (error) { decided.push(li); say(error.message, true); });
    });
  }
  function open(boxId, fieldSelector) {
    var box = document.getElementById(boxId);
    if (!box) return;
    box.open = true;
    var field = box.querySelector(fieldSelector);
    if (field) { field.focus(); if (field.select) field.select(); }
  }

  if (current()) neighbours(current());

  // Active time (issue 15): each action reports itself, at most every BEAT_MS plus one report
  // at the end of a burst; the server counts the time since this session's previous report,
  // idle gaps excluded (curator/results.py IDLE_AFTER), so a reload counts nothing twice.
  var BEAT_MS = 10000, lastBeat = 0, trailing = null;
  function sendBeat() {
    lastBeat = Date.now();
    fetch("/p/" + profile + "/activity", {
      method: "POST", credentials: "same-origin", keepalive: true,
      headers: { "X-CSRF-Token": csrf, "X-Requested-With": "curator" }
    }).catch(function () { /* a lost report only loses one gap */ });
  }
  function beat() {
    var since = Date.now() - lastBeat;
    if (since >= BEAT_MS) { sendBeat(); return; }
    if (!trailing) trailing = setTimeout(function () { trailing = null; sendBeat(); }, BEAT_MS - since);
  }
  beat();
  document.addEventListener("keydown", beat);
  document.addEventListener("input", beat);
  document.addEventListener("click", beat);

  pane.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList.contains("decide")) return;
    event.preventDefault();
    decide(form.dataset.action, new FormData(form));
  });
  list.addEventListener("click", function (event) {
    var li = event.target.closest("li");
    // a row's link still opens in a new tab with a modifier key
    if (!li || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    show(li);
  }, true);
  filter.addEventListener("input", function () {
    Array.prototype.forEach.call(list.children, function (li) {
      if (decided.indexOf(li) >= 0) return;
      li.hidden = !matches(li);
    });
    if (rows().length < AHEAD) loadMore();  // few rows match: look further down the queue
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target, typing = typingIn(target);
    if (typing) {
      if (event.key === "Escape") { target.blur(); var box = target.closest("details"); if (box) box.open = false; }
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && target.form) {
        event.preventDefault();
        target.form.requestSubmit();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    switch (event.key) {
      case "j": case "ArrowDown": move(1); break;
      case "k": case "ArrowUp": move(-1); break;
      case "a": open("approve-box", "textarea"); break;
      case "x": decide("reject"); break;
      case "r": open("reject-box", "input[name=reason]"); break;
      case "s": open("snooze-box", "input[name=until]"); break;
      case "u": undo(); break;
      case "o": var link = document.getElementById("open-original"); if (link) link.click(); break;
      case "/": filter.focus(); break;
      default: return;
    }
    event.preventDefault();
  });
})();
