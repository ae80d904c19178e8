// The resident's report form: a pin on our own map (grids and streets from our GeoJSON, no
// tiles) and "use my position" from the phone. Fills the hidden longitude/latitude fields.
(function () {
  "use strict";
  var el = document.getElementById("pin-map");
  var source = document.getElementById("pin-map-data");
  var lon = document.getElementById("id_longitude");
  var lat = document.getElementById("id_latitude");
  var status = document.getElementById("pin-status");
  if (!el || !source || !lon || !lat || typeof L === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: false, maxZoom: 19 });
  var layer = L.geoJSON(data, {
    style: function (feature) {
      if (feature.properties.role === "street") {
        return { color: "#b3261e", weight: 2, fill: false, dashArray: "6 4", interactive: false };
      }
      return { color: "#4e79a7", weight: 1, fillColor: "#4e79a7", fillOpacity: 0.12 };
    },
    onEachFeature: function (feature, shape) {
      if (feature.properties.role === "grid") {
        shape.bindTooltip(feature.properties.name, { direction: "center", className: "area-label" });
      }
    }
  }).addTo(map);
  var bounds = layer.getBounds();
  if (bounds.isValid()) { map.fitBounds(bounds, { padding: [8, 8] }); } else { map.setView([24.88, 102.83], 12); }
  var marker = null;
  function inside(latlng) {
    return !bounds.isValid() || bounds.contains(latlng);
  }
  function place(latlng, zoom) {
    if (!inside(latlng)) { status.textContent = status.getAttribute("data-outside"); }
    else { status.textContent = status.getAttribute("data-set"); }
    if (marker) { marker.setLatLng(latlng); }
    else {
      marker = L.circleMarker(latlng, { radius: 9, color: "#b3261e", weight: 3, fillColor: "#ffffff", fillOpacity: 1 }).addTo(map);
    }
    lon.value = latlng.lng.toFixed(6);
    lat.value = latlng.lat.toFixed(6);
    if (zoom) { map.setView(latlng, Math.max(map.getZoom(), zoom)); }
    el.setAttribute("data-pinned", "1");
  }
  map.on("click", function (e) { place(e.latlng, 0); });
  layer.on("click", function (e) { place(e.latlng, 0); });
  if (lon.value && lat.value) { place(L.latLng(parseFloat(lat.value), parseFloat(lon.value)), 15); }
  var button = document.getElementById("locate-me");
  if (button) {
    if (!("geolocation" in navigator)) { button.classList.add("d-none"); }
    button.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(
        function (pos) { place(L.latLng(pos.coords.latitude, pos.coords.longitude), 16); },
        function () { status.textContent = status.getAttribute("data-denied"); },
        { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
      );
    });
  }
  window.addEventListener("resize", function () { map.invalidateSize(); });
})();
