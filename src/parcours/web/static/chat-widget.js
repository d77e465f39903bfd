/* Parcours web chat widget.
 *
 * A merchant adds one line to its pages:
 *   <script src="https://crm.example.fr/chat/widget.js" data-channel="chat-site" defer></script>
 * (optional: data-lang="en"). The visitor starts anonymous (a random id kept in this browser),
 * may give an e-mail, and talks to the agents; when nobody is available the widget offers a
 * call-back (now or at a time) or an answer by e-mail instead. Plain JavaScript, no library.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.dataset.channel) { return; }
  var base = new URL(script.src).origin;
  var channel = script.dataset.channel;
  var lang = script.dataset.lang || ((navigator.language || "fr").slice(0, 2) === "en" ? "en" : "fr");
  // The texts in both languages, from the server's message catalogues (see web/chat.py).
  var T = (/*TEXTS*/{fr: {}, en: {}})[lang];

  function api(path, body) {
    var options = body === undefined ? {} : {method: "POST", body: JSON.stringify(body),
                                             headers: {"Content-Type": "application/json"}};
    return fetch(base + "/chat/" + encodeURIComponent(channel) + path, options).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) { throw new Error(data.detail || r.status); }
        return data;
      });
    });
  }
  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (k) { node.setAttribute(k, attributes[k]); });
    if (text) { node.textContent = text; }
    return node;
  }
  function visitorId() {
    var key = "parcours-visitor";
    var id = localStorage.getItem(key);
    if (!id) {
      id = (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now()).replace(/-/g, "");
      localStorage.setItem(key, id);
    }
    return id;
  }

  var style = element("style");
  style.textContent = "#parcours-chat-button{position:fixed;right:1.2rem;bottom:1.2rem;z-index:2147483000;" +
    "background:#0b6e4f;color:#fff;border:0;border-radius:2rem;padding:.8rem 1.2rem;font:600 1rem system-ui;cursor:pointer}" +
    "#parcours-chat{position:fixed;right:1.2rem;bottom:4.6rem;z-index:2147483000;width:min(22rem,calc(100vw - 2.4rem));" +
    "max-height:70vh;display:flex;flex-direction:column;background:#fff;color:#1d2433;border-radius:12px;" +
    "box-shadow:0 4px 24px rgba(0,0,0,.2);font:1rem/1.4 system-ui}" +
    "#parcours-chat[hidden]{display:none}#parcours-chat header{display:flex;justify-content:space-between;" +
    "align-items:center;padding:.6rem .9rem;background:#0b6e4f;color:#fff;border-radius:12px 12px 0 0}" +
    "#parcours-chat header button{background:none;border:0;color:#fff;font-size:1.2rem;cursor:pointer}" +
    "#parcours-chat-log{flex:1;overflow:auto;padding:.6rem .9rem;min-height:6rem}" +
    "#parcours-chat-log p{margin:.3rem 0;padding:.4rem .6rem;border-radius:8px;background:#f0f2f5}" +
    "#parcours-chat-log p.visitor{background:#dff3ea;margin-left:2rem}" +
    "#parcours-chat form{display:flex;flex-direction:column;gap:.4rem;padding:.6rem .9rem;border-top:1px solid #e3e6eb}" +
    "#parcours-chat label{font-size:.85rem;color:#5b6475}#parcours-chat input,#parcours-chat textarea," +
    "#parcours-chat select{font:inherit;padding:.4rem;border:1px solid #b9c0cc;border-radius:6px}" +
    "#parcours-chat form button{background:#0b6e4f;color:#fff;border:0;border-radius:6px;padding:.5rem;font:600 1rem system-ui;cursor:pointer}" +
    "#parcours-chat .notice{padding:.6rem .9rem;margin:0;color:#5b6475}";
  document.head.appendChild(style);

  var button = element("button", {id: "parcours-chat-button", type: "button", "aria-expanded": "false",
                                  "aria-controls": "parcours-chat"}, T.open);
  var panel = element("section", {id: "parcours-chat", role: "dialog", "aria-label": T.title, hidden: ""});
  var header = element("header");
  header.appendChild(element("strong", {}, T.title));
  var close = element("button", {type: "button", "aria-label": T.close}, "×");
  header.appendChild(close);
  var log = element("div", {id: "parcours-chat-log", role: "log", "aria-live": "polite"});
  panel.appendChild(header);
  panel.appendChild(log);
  document.body.appendChild(panel);
  document.body.appendChild(button);

  var state = {token: sessionStorage.getItem("parcours-chat-" + channel), source: null, body: null};

  function say(text, author) {
    var line = element("p", {"class": author}, text);
    line.setAttribute("aria-label", (author === "visitor" ? T.you : T.agent) + " : " + text);
    log.appendChild(line);
    log.scrollTop = log.scrollHeight;
  }
  function notice(text) { log.appendChild(element("p", {"class": "notice", role: "status"}, text)); }
  function show(form) {
    if (state.body) { panel.removeChild(state.body); }
    state.body = form;
    panel.appendChild(form);
    var first = form.querySelector("input, textarea");
    if (first) { first.focus(); }
  }
  function field(form, id, label, tag, attributes) {
    form.appendChild(element("label", {"for": id}, label));
    var input = element(tag || "input", Object.assign({id: id, name: id}, attributes || {}));
    form.appendChild(input);
    return input;
  }
  function failed(error) { notice(T.error + error.message); }

  function listen() {
    if (state.source || !state.token) { return; }
    state.source = new EventSource(base + "/chat/" + encodeURIComponent(channel) +
                                   "/conversations/" + state.token + "/events");
    state.source.addEventListener("message", function (event) {
      var message = JSON.parse(event.data);
      if (message.author === "agent") { say(message.text, "agent"); }
    });
  }
  function begin(email) {
    return api("/conversations", {visitor: visitorId(), language: lang, page_url: location.href})
      .then(function (started) {
        state.token = started.token;
        sessionStorage.setItem("parcours-chat-" + channel, started.token);
        listen();
        return (email ? api("/conversations/" + started.token + "/identify", {email: email}) : Promise.resolve())
          .then(function () { return started; });
      });
  }
  function messageForm() {
    var form = element("form", {id: "parcours-chat-form"});
    var text = field(form, "parcours-chat-message", T.message, "textarea", {rows: "2", required: ""});
    form.appendChild(element("button", {type: "submit"}, T.send));
    text.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var value = text.value.trim();
      if (!value) { return; }
      text.value = "";
      api("/conversations/" + state.token + "/messages", {text: value})
        .then(function () { say(value, "visitor"); }, failed);
    });
    show(form);
  }
  function startForm() {
    var form = element("form", {id: "parcours-chat-start"});
    var email = field(form, "parcours-chat-email", T.email, "input", {type: "email", autocomplete: "email"});
    form.appendChild(element("button", {type: "submit"}, T.start));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      begin(email.value.trim()).then(messageForm, failed);
    });
    show(form);
  }
  function unavailable(offers) {
    notice(T.unavailable);
    var form = element("form", {id: "parcours-chat-callback", "aria-label": T.callback});
    form.appendChild(element("strong", {}, T.callback));
    var phone = field(form, "parcours-chat-phone", T.phone, "input", {type: "tel", autocomplete: "tel", required: ""});
    var when = field(form, "parcours-chat-slot", T.when, "select");
    when.appendChild(element("option", {value: "now"}, T.now));
    var later = new Date();
    for (var hour = 1; hour <= 4; hour++) {
      var slot = new Date(later.getTime() + hour * 3600000);
      slot.setMinutes(0, 0, 0);
      when.appendChild(element("option", {value: slot.toISOString()},
                               T.at + " " + slot.toLocaleTimeString(lang, {hour: "2-digit", minute: "2-digit"})));
    }
    form.appendChild(element("button", {type: "submit"}, T.callback));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      begin("").then(function () {
        return api("/conversations/" + state.token + "/callback", {phone: phone.value, slot: when.value});
      }).then(function () { notice(T.confirmCallback); form.remove(); }, failed);
    });
    var mail = element("form", {id: "parcours-chat-byemail", "aria-label": T.byEmail});
    mail.appendChild(element("strong", {}, T.byEmail));
    var address = field(mail, "parcours-chat-reply-email", T.email.replace(/ \(.*\)/, ""), "input",
                        {type: "email", autocomplete: "email", required: ""});
    var question = field(mail, "parcours-chat-question", T.message, "textarea", {rows: "2", required: ""});
    mail.appendChild(element("button", {type: "submit"}, T.sendEmail));
    mail.addEventListener("submit", function (event) {
      event.preventDefault();
      begin(address.value.trim()).then(function () {
        return api("/conversations/" + state.token + "/messages", {text: question.value, answer_by: "email"});
      }).then(function () { notice(T.confirmEmail); mail.remove(); }, failed);
    });
    var both = element("div");
    if (offers.indexOf("callback") >= 0) { both.appendChild(form); }
    if (offers.indexOf("email") >= 0) { both.appendChild(mail); }
    show(both);
  }
  function open() {
    panel.hidden = false;
    button.setAttribute("aria-expanded", "true");
    if (state.body) { return; }
    api("/availability").then(function (found) {
      var welcome = lang === "en" ? found.welcome_en : found.welcome_fr;
      if (welcome) { notice(welcome); }
      if (state.token) {
        listen();
        api("/conversations/" + state.token + "/messages").then(function (messages) {
          messages.forEach(function (m) { say(m.text, m.author); });
          messageForm();
        }, function () { state.token = null; sessionStorage.removeItem("parcours-chat-" + channel); open(); });
      } else if (found.available) { startForm(); } else { unavailable(found.offers); }
    }, failed);
  }
  button.addEventListener("click", function () { if (panel.hidden) { open(); } else { panel.hidden = true; button.setAttribute("aria-expanded", "false"); } });
  close.addEventListener("click", function () { panel.hidden = true; button.setAttribute("aria-expanded", "false"); button.focus(); });
  panel.addEventListener("keydown", function (event) { if (event.key === "Escape") { close.click(); } });
})();
