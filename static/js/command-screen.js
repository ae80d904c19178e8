// The command screen (一屏观全区): draws the charts and refreshes every figure from the JSON
// endpoint every few seconds, without reloading the page. Text goes in as textContent only.
(function () {
  "use strict";
  var root = document.getElementById("cmd");
  var source = document.getElementById("cmd-data");
  if (!root || !source) { return; }
  var data = JSON.parse(source.textContent);
  var url = root.getAttribute("data-url");
  var refresh = parseInt(root.getAttribute("data-refresh"), 10) || 30;
  var trendMode = "day_channel";
  var charts = {};
  var palette = ["#b3261e", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

  function get(obj, path) {
    return path.split(".").reduce(function (o, k) { return o == null ? o : o[k]; }, obj);
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function link(href, text) {
    var a = el("a", null, text);
    a.href = href;
    return a;
  }

  function fields() {
    root.querySelectorAll("[data-field]").forEach(function (node) {
      var value = get(data, node.getAttribute("data-field"));
      if (value !== undefined && value !== null) { node.textContent = String(value); }
    });
  }

  function caseList(id, rows, meta) {
    var list = document.getElementById(id);
    if (!list) { return; }
    list.replaceChildren();
    if (!rows.length) { list.appendChild(el("li", "cmd-empty", list.getAttribute("data-empty"))); return; }
    rows.forEach(function (c) { list.appendChild(meta(c)); });
  }

  function lists() {
    caseList("emergency-list", data.emergencies, function (c) {
      var li = el("li");
      var a = link(c.url, "");
      a.appendChild(el("span", "badge text-bg-danger", c.level_name));
      a.appendChild(document.createTextNode(" " + c.title));
      li.appendChild(a);
      li.appendChild(el("span", "cmd-meta", c.area + " · " + c.created + " · " + c.state_name));
      return li;
    });
    var risk = document.getElementById("risk-list");
    caseList("risk-list", data.at_risk, function (c) {
      var li = el("li");
      li.appendChild(link(c.url, c.number + " " + c.title));
      li.appendChild(el("span", "cmd-meta", c.area + " · " + risk.getAttribute("data-prefix") + " " + c.resolve_by));
      return li;
    });
    var overdue = document.getElementById("overdue-list");
    caseList("overdue-list", data.overdue_cases, function (c) {
      var li = el("li");
      li.appendChild(link(c.url, c.number + " " + c.title));
      li.appendChild(el("span", "cmd-meta text-danger", c.area + " · " + overdue.getAttribute("data-prefix") + " " + c.resolve_by));
      return li;
    });
  }

  function cells(tr, values) {
    values.forEach(function (v, i) {
      var td = el("td", i > 0 && typeof v !== "object" ? "text-end" : null);
      if (v && typeof v === "object") { td.appendChild(v); } else { td.textContent = String(v); }
      tr.appendChild(td);
    });
  }

  function tables() {
    var body = document.getElementById("children-rows");
    if (body && data.children.length) {
      body.replaceChildren();
      data.children.forEach(function (c) {
        var tr = el("tr");
        cells(tr, [c.screen_url ? link(c.screen_url, c.name) : el("span", null, c.name), c.residents, Number(c.non_local_share).toFixed(1) + "%", c.open, c.overdue]);
        if (c.overdue) { tr.lastChild.classList.add("text-danger", "fw-semibold"); }
        body.appendChild(tr);
      });
    }
    var ranking = document.getElementById("ranking-rows");
    if (ranking && data.ranking.length) {
      ranking.replaceChildren();
      data.ranking.forEach(function (r) {
        var tr = el("tr");
        cells(tr, [el("span", null, r.rank || "—"), el("span", null, r.name), r.closed, r.on_time_text, r.rework_text, r.satisfaction_text]);
        ranking.appendChild(tr);
      });
    }
  }

  function chart(id) {
    var node = document.getElementById(id);
    if (!node || typeof echarts === "undefined") { return null; }
    if (!charts[id]) { charts[id] = echarts.init(node, null, { renderer: "svg" }); }
    return charts[id];
  }

  var textStyle = { fontFamily: "PingFang SC, Noto Sans CJK SC, Microsoft YaHei, sans-serif" };

  function drawTrend() {
    var c = chart("trend-chart");
    var t = data.trend && data.trend[trendMode];
    if (!c || !t) { return; }
    c.setOption({
      textStyle: textStyle,
      color: palette,
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { show: false },
      grid: { left: 40, right: 16, top: 12, bottom: 28 },
      xAxis: { type: "category", data: t.labels },
      yAxis: { type: "value", minInterval: 1 },
      series: t.series.map(function (s) {
        return { name: s.name, type: "bar", stack: "all", data: s.data, barMaxWidth: 24 };
      })
    }, true);
    // The legend in the page, not in the chart: it wraps on a narrow screen instead of being
    // cut or paged.
    var legend = document.getElementById("trend-legend");
    if (legend) {
      legend.replaceChildren.apply(legend, t.series.map(function (s, i) {
        var li = el("li", null, s.name);
        var swatch = el("span", "cmd-swatch");
        swatch.style.background = palette[i % palette.length];
        li.insertBefore(swatch, li.firstChild);
        return li;
      }));
    }
  }

  function drawCategories() {
    var c = chart("category-chart");
    if (!c) { return; }
    var rows = (data.categories || []).slice().reverse();
    c.setOption({
      textStyle: textStyle,
      animation: false,
      tooltip: {},
      grid: { left: 8, right: 36, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: rows.map(function (r) { return r.name; }) },
      series: [{ type: "bar", data: rows.map(function (r) { return r.received; }), itemStyle: { color: "#b3261e" }, label: { show: true, position: "right" } }]
    }, true);
  }

  function render() {
    fields();
    lists();
    tables();
    drawTrend();
    drawCategories();
  }

  root.querySelectorAll("[data-trend]").forEach(function (button) {
    button.addEventListener("click", function () {
      trendMode = button.getAttribute("data-trend");
      root.querySelectorAll("[data-trend]").forEach(function (b) { b.classList.toggle("active", b === button); });
      drawTrend();
    });
  });

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (fresh) { data = fresh; render(); root.classList.remove("cmd-stale"); })
      .catch(function () { root.classList.add("cmd-stale"); });
  }

  render();
  window.setInterval(poll, refresh * 1000);
  window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
})();
