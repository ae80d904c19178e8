// Case pages: the intake map (tap to drop a pin; grids drawn from our own GeoJSON, no tile
// server), the small map on a case, and a guard against a second click on a sent form.
(function () {
  "use strict";

  function gridLayer(data) {
    return L.geoJSON(data, {
      filter: function (f) { return f.geometry && f.geometry.type !== "Point"; },
      style: function (f) {
        var grid = f.properties.level >= 5;
        return { color: grid ? "#4e79a7" : "#b3261e", weight: grid ? 1.5 : 2.5, fillColor: "#4e79a7",
                 fillOpacity: grid ? 0.12 : 0, dashArray: grid ? null : "6 4" };
      },
      onEachFeature: function (f, shape) {
        if (f.properties.level >= 5) {
          shape.bindTooltip(f.properties.name, { permanent: false, direction: "center", className: "area-label" });
        }
      }
    });
  }

  // The intake form: a tap sets longitude/latitude; typed numbers move the pin.
  var pinEl = document.getElementById("pin-map");
  var pinSource = document.getElementById("pin-map-data");
  if (pinEl && pinSource && typeof L !== "undefined") {
    var data = JSON.parse(pinSource.textContent);
    var lon = document.getElementById("id_longitude");
    var lat = document.getElementById("id_latitude");
    if (!data.features || !data.features.length) {
      pinEl.classList.add("d-none");
    } else {
      var map = L.map(pinEl, { zoomSnap: 0.25, attributionControl: false });
      var layer = gridLayer(data).addTo(map);
      map.fitBounds(layer.getBounds(), { padding: [8, 8] });
      var pin = null;
      var place = function (latlng) {
        if (pin) { pin.setLatLng(latlng); } else {
          pin = L.circleMarker(latlng, { radius: 8, color: "#b3261e", weight: 3, fillColor: "#fff", fillOpacity: 1 }).addTo(map);
        }
      };
      var fromInputs = function () {
        var x = parseFloat(lon.value), y = parseFloat(lat.value);
        if (!isNaN(x) && !isNaN(y)) { place([y, x]); }
      };
      map.on("click", function (e) {
        lon.value = e.latlng.lng.toFixed(6);
        lat.value = e.latlng.lat.toFixed(6);
        place(e.latlng);
      });
      layer.on("click", function (e) { map.fire("click", e); });
      lon.addEventListener("change", fromInputs);
      lat.addEventListener("change", fromInputs);
      fromInputs();
      window.addEventListener("resize", function () { map.invalidateSize(); });
    }
  }

  // The case's own small map: its area's outline and its point.
  var caseEl = document.getElementById("case-map");
  var caseSource = document.getElementById("case-map-data");
  if (caseEl && caseSource && typeof L !== "undefined") {
    var cdata = JSON.parse(caseSource.textContent);
    var cmap = L.map(caseEl, { zoomSnap: 0.25, attributionControl: false, scrollWheelZoom: false });
    var outline = L.geoJSON(cdata, {
      style: function () { return { color: "#4e79a7", weight: 2, fillOpacity: 0.1 }; },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, { radius: 8, color: "#b3261e", weight: 3, fillColor: "#fff", fillOpacity: 1 });
      }
    }).addTo(cmap);
    var bounds = outline.getBounds();
    if (bounds.isValid()) { cmap.fitBounds(bounds, { padding: [10, 10], maxZoom: 16 }); }
  }

  // A form marked data-once sends once: the button is disabled after the first click (the
  // server still treats a second request as the same one — the one-time form token).
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.hasAttribute || !form.hasAttribute("data-once")) { return; }
    if (form.getAttribute("data-sent") === "1") { e.preventDefault(); return; }
    form.setAttribute("data-sent", "1");
    var buttons = form.querySelectorAll("button[type=submit]");
    for (var i = 0; i < buttons.length; i++) { buttons[i].classList.add("disabled"); }
  });
})();
