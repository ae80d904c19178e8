// The map (一张图): the area's parts coloured by a chosen measure, buildings by their houses'
// colours, open cases as markers the server has already clustered; a click fills the side
// panel (rendered by the server for this viewer). No tile server: our own GeoJSON only.
(function () {
  "use strict";
  var root = document.getElementById("cmap");
  var el = document.getElementById("command-map");
  if (!root || !el || typeof L === "undefined") { return; }
  var urls = JSON.parse(root.getAttribute("data-urls"));
  var labels = document.getElementById("map-labels");
  var panel = document.getElementById("map-panel");
  var measureSelect = document.getElementById("map-measure");
  var upButton = document.getElementById("map-up");
  var title = document.getElementById("map-title");
  var screenLink = document.getElementById("map-screen");
  var crumbs = document.getElementById("map-crumbs");
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: false, preferCanvas: false });
  var layers = { areas: L.layerGroup().addTo(map), buildings: L.layerGroup().addTo(map), cases: L.layerGroup().addTo(map) };
  var colours = { care: "#d63384", business: "#fd7e14", office: "#6f42c1", non_local: "#e0a800", registered: "#198754", vacant: "#adb5bd" };
  var levelColours = { emergency: "#b3261e", key: "#fd7e14", routine: "#1f77b4" };
  var ramp = ["#fff5eb", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704"];
  var current = null;
  var data = null;

  function url(name, id) { return urls[name].replace("/0/", "/" + id + "/"); }
  function getJSON(u) {
    return fetch(u, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); });
  }

  var panelRequest = 0;
  function showPanel(u) {
    // Only the latest click fills the panel: an earlier, slower answer must not overwrite it.
    var mine = ++panelRequest;
    fetch(u, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { if (html && mine === panelRequest) { panel.innerHTML = html; } });
  }

  panel.addEventListener("click", function (event) {
    var drill = event.target.closest("[data-drill]");
    if (drill) { event.preventDefault(); load(drill.getAttribute("data-drill")); return; }
    var caseLink = event.target.closest("[data-case]");
    if (caseLink && !caseLink.hasAttribute("data-opened")) {
      event.preventDefault();
      showPanel(url("case_panel", caseLink.getAttribute("data-case")));
    }
  });

  function shade(value, max) {
    if (!max || !value) { return ramp[0]; }
    var i = Math.min(ramp.length - 1, Math.floor((value / max) * (ramp.length - 1) + 0.5));
    return ramp[Math.max(1, i)];
  }

  // An area's name is drawn at its label point, where a grid's case marker may stand too:
  // move each name to the first place near it that covers no marker and no other name.
  var areaLabels = [];
  var nudges = [[0, 0], [0, -30], [0, 30], [-70, 0], [70, 0], [0, -54], [0, 54], [-70, -30], [70, 30], [-70, 30], [70, -30]];
  function overlaps(a, list) {
    return list.some(function (b) { return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom; });
  }
  function declutter() {
    var markers = [];
    layers.cases.eachLayer(function (m) { var e = m.getElement && m.getElement(); if (e) { markers.push(e.getBoundingClientRect()); } });
    var placed = [];
    areaLabels.forEach(function (tip) {
      if (!tip || !tip.getElement()) { return; }
      var best = null;
      for (var i = 0; i < nudges.length; i++) {
        tip.options.offset = L.point(nudges[i][0], nudges[i][1]);
        tip.update();
        var r = tip.getElement().getBoundingClientRect();
        if (!overlaps(r, markers) && !overlaps(r, placed)) { best = r; break; }
      }
      if (!best) { tip.options.offset = L.point(0, 0); tip.update(); best = tip.getElement().getBoundingClientRect(); }
      placed.push(best);
    });
  }

  function drawAreas() {
    layers.areas.clearLayers();
    areaLabels = [];
    if (!data) { return; }
    var measure = measureSelect.value;
    var feats = data.parts.features;
    var max = feats.reduce(function (m, f) { return Math.max(m, f.properties[measure] || 0); }, 0);
    if (data.area.boundary) {
      L.geoJSON(data.area.boundary, { style: { color: "#b3261e", weight: 2.5, fill: false, dashArray: "6 4" }, interactive: false }).addTo(layers.areas);
    }
    L.geoJSON(data.parts, {
      style: function (f) { return { color: "#555", weight: 1.2, fillColor: shade(f.properties[measure], max), fillOpacity: 0.7 }; },
      onEachFeature: function (f, shape) {
        var p = f.properties;
        var value = measure === "non_local_share" ? Number(p[measure]).toFixed(1) + "%" : p[measure];
        shape.bindTooltip(p.name + " " + value, { permanent: true, direction: "center", className: "area-label" });
        areaLabels.push(shape.getTooltip());
        shape.on("click", function () { showPanel(url("area_panel", p.id)); });
        shape.on("dblclick", function (e) { L.DomEvent.stop(e); load(p.id); });
      }
    }).addTo(layers.areas);
  }

  function drawBuildings(rows) {
    layers.buildings.clearLayers();
    rows.forEach(function (b) {
      var m = L.circleMarker([b.lat, b.lon], { radius: 6, color: "#333", weight: 1, fillColor: colours[b.colour] || "#999", fillOpacity: 0.95 });
      var parts = Object.keys(b.colours).map(function (k) { return k + ":" + b.colours[k]; }).join(" ");
      m.bindTooltip(b.name + " (" + parts + ")");
      m.on("click", function () {
        var card = document.createElement("div");
        card.className = "cmap-card";
        var h = document.createElement("h2"); h.className = "h6"; h.textContent = b.name; card.appendChild(h);
        var a = document.createElement("a"); a.href = b.url; a.className = "btn btn-sm btn-outline-primary"; a.textContent = b.name; card.appendChild(a);
        panel.replaceChildren(card);
      });
      m.addTo(layers.buildings);
    });
  }

  function markerIcon(m) {
    var top = m.by_level.emergency ? "emergency" : (m.by_level.key ? "key" : "routine");
    var size = m.n > 99 ? 40 : (m.n > 9 ? 32 : 26);
    return L.divIcon({ className: "case-cluster level-" + top, html: "<span>" + String(m.n) + "</span>", iconSize: [size, size] });
  }

  function loadCases() {
    layers.cases.clearLayers();
    if (!current) { return; }
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (x) { return x.toFixed(6); }).join(",");
    getJSON(url("cases", current) + "?bbox=" + bbox).then(function (res) {
      layers.cases.clearLayers();
      res.markers.forEach(function (m) {
        var marker = L.marker([m.lat, m.lon], { icon: markerIcon(m), keyboard: true, title: String(m.n) });
        marker.on("click", function () {
          if (m.case) { showPanel(url("case_panel", m.case)); }
          else if (m.area) { showPanel(url("area_panel", m.area)); }
          else { map.setView([m.lat, m.lon], map.getZoom() + 2); }
        });
        marker.addTo(layers.cases);
      });
      declutter();
    });
  }

  // The trail from the root to the level shown: each level above it goes back to that level.
  function drawCrumbs(rows) {
    if (!crumbs || !rows) { return; }
    crumbs.replaceChildren.apply(crumbs, rows.map(function (c, i) {
      var li = document.createElement("li");
      li.className = "breadcrumb-item";
      if (i === rows.length - 1) {
        li.classList.add("active");
        li.setAttribute("aria-current", "page");
        li.textContent = c.name;
      } else if (c.id) {
        var a = document.createElement("a");
        a.href = url("page", c.id);
        a.setAttribute("data-area", String(c.id));
        a.textContent = c.name;
        li.appendChild(a);
      } else {
        li.textContent = c.name;
      }
      return li;
    }));
  }
  if (crumbs) {
    crumbs.addEventListener("click", function (event) {
      var link = event.target.closest("a[data-area]");
      if (link && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
        event.preventDefault();
        load(link.getAttribute("data-area"));
      }
    });
  }

  function load(id) {
    getJSON(url("areas", id)).then(function (res) {
      current = id;
      data = res;
      title.textContent = res.area.name;
      drawCrumbs(res.crumbs);
      screenLink.href = url("screen", id);
      upButton.classList.toggle("d-none", !res.area.parent);
      upButton.setAttribute("data-parent", res.area.parent || "");
      if (window.history && window.history.replaceState) { window.history.replaceState(null, "", url("page", id)); }
      drawAreas();
      var bounds = res.area.boundary ? L.geoJSON(res.area.boundary).getBounds() : null;
      if (bounds && bounds.isValid()) { map.fitBounds(bounds, { padding: [10, 10] }); }
      showPanel(url("area_panel", id));
      layers.buildings.clearLayers();
      if (res.area.buildings) { getJSON(url("buildings", id)).then(function (r) { drawBuildings(r.buildings); }); }
      loadCases();
    });
  }

  upButton.addEventListener("click", function () { var p = upButton.getAttribute("data-parent"); if (p) { load(p); } });
  measureSelect.addEventListener("change", function () { drawAreas(); declutter(); });
  map.on("zoomend", declutter);
  [["layer-areas", "areas"], ["layer-buildings", "buildings"], ["layer-cases", "cases"]].forEach(function (pair) {
    var box = document.getElementById(pair[0]);
    box.addEventListener("change", function () { if (box.checked) { layers[pair[1]].addTo(map); } else { map.removeLayer(layers[pair[1]]); } });
  });
  map.on("moveend", function () { if (data && data.area.fine) { loadCases(); } });
  window.addEventListener("resize", function () { map.invalidateSize(); });
  map.setView([24.8, 102.8], 10);
  load(root.getAttribute("data-area"));
})();
