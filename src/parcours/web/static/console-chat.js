/* The console's chat desk: open conversations, their messages, answering; live through
 * server-sent events. Signed in like the rest of the console: the session cookie goes with every
 * same-origin request, and changes carry the session's CSRF token in a header. */
(function () {
  "use strict";
  var desk = document.getElementById("desk");
  var csrf = desk.dataset.csrf, current = null;

  function call(path, body) {
    var options = {headers: {"X-CSRF-Token": csrf}};
    if (body !== undefined) {
      options.method = "POST";
      options.body = JSON.stringify(body);
      options.headers["Content-Type"] = "application/json";
    }
    return fetch("/console/chat" + path, options).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) { throw new Error(data.detail || r.status); }
        return data;
      });
    });
  }
  function line(text, author) {
    var p = document.createElement("p");
    p.className = author;
    p.textContent = text;
    var thread = document.getElementById("thread");
    thread.appendChild(p);
    thread.scrollTop = thread.scrollHeight;
  }
  function problem(error) {
    document.getElementById("problem").textContent = error.message;
  }
  function openConversation(id) {
    current = id;
    call("/conversations/" + id).then(function (found) {
      document.getElementById("thread-title").textContent =
        (found.case || "#" + found.id) + (found.email ? " — " + found.email : "");
      document.getElementById("thread").textContent = "";
      found.messages.forEach(function (m) { line(m.text, m.author); });
      document.getElementById("reply").hidden = false;
      document.getElementById("answer").focus();
      list();
    }).catch(problem);
  }
  function list() {
    call("/conversations").then(function (found) {
      var box = document.getElementById("conversations");
      box.textContent = "";
      if (!found.length) {
        var empty = document.createElement("p");
        empty.className = "muted";
        empty.textContent = box.dataset.empty;
        box.appendChild(empty);
      }
      found.forEach(function (c) {
        var b = document.createElement("button");
        b.type = "button";
        b.setAttribute("role", "listitem");
        b.textContent = (c.case || "#" + c.id) + (c.email ? " — " + c.email : "");
        b.setAttribute("aria-current", String(c.id === current));
        b.addEventListener("click", function () { openConversation(c.id); });
        box.appendChild(b);
      });
    }).catch(problem);
  }
  var source = new EventSource("/console/chat/events");
  source.addEventListener("message", function (event) {
    var message = JSON.parse(event.data);
    if (message.conversation_id === current && message.author === "visitor") { line(message.text, "visitor"); }
    list();
  });
  document.getElementById("reply").addEventListener("submit", function (event) {
    event.preventDefault();
    var field = document.getElementById("answer"), text = field.value.trim();
    if (!text || current === null) { return; }
    call("/conversations/" + current + "/messages", {text: text}).then(function () {
      field.value = "";
      line(text, "agent");
    }).catch(problem);
  });
  list();
})();
