/* The chat desk: open conversations, their messages, answering; live through the API's
 * server-sent events (read with fetch, which can send the API token). */
(function () {
  "use strict";
  var state = {token: sessionStorage.getItem("parcours-token"), agent: sessionStorage.getItem("parcours-agent"),
               current: null};
  function api(path, body) {
    var options = {headers: {"Authorization": "Bearer " + state.token}};
    if (body !== undefined) {
      options.method = "POST";
      options.body = JSON.stringify(body);
      options.headers["Content-Type"] = "application/json";
    }
    return fetch("/api/v1" + path, options).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      return r.json();
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
  function openConversation(id) {
    state.current = id;
    api("/chat/conversations/" + id).then(function (found) {
      document.getElementById("thread-title").textContent = (found.case || "") + (found.email ? " — " + found.email : "");
      document.getElementById("thread").textContent = "";
      found.messages.forEach(function (m) { line(m.text, m.author); });
      document.getElementById("reply").hidden = false;
      document.getElementById("answer").focus();
      list();
    });
  }
  function list() {
    api("/chat/conversations").then(function (found) {
      var box = document.getElementById("conversations");
      box.textContent = "";
      found.forEach(function (c) {
        var b = document.createElement("button");
        b.type = "button";
        b.setAttribute("role", "listitem");
        b.dataset.id = c.id;
        b.textContent = (c.case || "#" + c.id) + (c.email ? " — " + c.email : "");
        b.setAttribute("aria-current", String(c.id === state.current));
        b.addEventListener("click", function () { openConversation(c.id); });
        box.appendChild(b);
      });
    });
  }
  function listen() {
    fetch("/api/v1/live?topic=chats", {headers: {"Authorization": "Bearer " + state.token}}).then(function (r) {
      var reader = r.body.getReader(), decoder = new TextDecoder(), buffer = "";
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) { setTimeout(listen, 1000); return; }
          buffer += decoder.decode(chunk.value, {stream: true});
          var events = buffer.split("\n\n");
          buffer = events.pop();
          events.forEach(function (block) {
            var data = block.split("\n").filter(function (l) { return l.indexOf("data: ") === 0; })
                            .map(function (l) { return l.slice(6); }).join("\n");
            if (!data) { return; }
            var message = JSON.parse(data);
            if (message.conversation_id === state.current && message.author === "visitor") { line(message.text, "visitor"); }
            list();
          });
          return pump();
        });
      }
      return pump();
    }).catch(function () { setTimeout(listen, 3000); });
  }
  function start() {
    document.getElementById("signin").hidden = true;
    document.getElementById("desk").hidden = false;
    list();
    listen();
  }
  document.getElementById("signin").addEventListener("submit", function (event) {
    event.preventDefault();
    state.agent = document.getElementById("agent").value.trim();
    state.token = document.getElementById("token").value.trim();
    sessionStorage.setItem("parcours-agent", state.agent);
    sessionStorage.setItem("parcours-token", state.token);
    start();
  });
  document.getElementById("reply").addEventListener("submit", function (event) {
    event.preventDefault();
    var field = document.getElementById("answer"), text = field.value.trim();
    if (!text || state.current === null) { return; }
    field.value = "";
    api("/chat/conversations/" + state.current + "/messages", {agent: state.agent, text: text})
      .then(function () { line(text, "agent"); });
  });
  if (state.token && state.agent) { start(); }
})();
