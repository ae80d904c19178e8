// The area map: our own GeoJSON on a blank background (no tile server, no internet).
(function () {
  "use strict";
  var el = document.getElementById("area-map");
  var source = document.getElementById("area-map-data");
  if (!el || !source || typeof L === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  if (!data.features || !data.features.length) { el.classList.add("d-none"); return; }
  var detailUrl = el.getAttribute("data-detail-url");
  var palette = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: false });
  var childIndex = 0;
  var layer = L.geoJSON(data, {
    style: function (feature) {
      if (feature.properties.role === "self") {
        return { color: "#b3261e", weight: 3, fill: false, dashArray: "6 4" };
      }
      var colour = palette[childIndex++ % palette.length];
      return { color: "#ffffff", weight: 1.5, fillColor: colour, fillOpacity: 0.55 };
    },
    onEachFeature: function (feature, shape) {
      var p = feature.properties;
      if (p.role !== "child") { return; }
      shape.bindTooltip(p.name, { permanent: true, direction: "center", className: "area-label" });
      shape.on("click", function () { window.location.href = detailUrl.replace("/0/", "/" + p.id + "/"); });
      shape.on("mouseover", function () { shape.setStyle({ fillOpacity: 0.8 }); });
      shape.on("mouseout", function () { shape.setStyle({ fillOpacity: 0.55 }); });
    }
  }).addTo(map);
  map.fitBounds(layer.getBounds(), { padding: [12, 12] });
  window.addEventListener("resize", function () { map.invalidateSize(); });
})();
