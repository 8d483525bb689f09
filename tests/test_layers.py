"""Reading layers in four formats and reporting every problem of a file."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from siting.errors import DataError
from siting.layers import read_layer


def layer(**columns) -> gpd.GeoDataFrame:
    geometry = columns.pop("geometry")
    return gpd.GeoDataFrame(columns, geometry=geometry, crs="EPSG:4326")


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".parquet"])
def test_formats_read_the_same(tmp_path, suffix):
    frame = layer(id=["a", "b"], name=["A", "B"], geometry=shapely.points([[70, 50], [71, 51]]))
    path = tmp_path / f"l{suffix}"
    if suffix == ".parquet":
        frame.to_parquet(path)
    else:
        frame.to_file(path)
    out = read_layer(path, required=("name",))
    assert list(out.index) == ["a", "b"]
    assert out.crs.to_epsg() == 4326
    assert out.geometry.x.tolist() == [70, 71]


def test_csv_with_lat_lon(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text("id,name,lat,lon\n1,A,50.5,70.25\n2,B,51,71\n")
    out = read_layer(path)
    assert list(out.index) == ["1", "2"]
    assert (out.geometry.x.iloc[0], out.geometry.y.iloc[0]) == (70.25, 50.5)


def test_every_problem_of_a_file_is_reported(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text("id,name,lat,lon\na,A,50,70\na,B,51,71\nc,C,,72\nd,D,95,73\n")
    with pytest.raises(DataError) as info:
        read_layer(path)
    text = str(info.value)
    assert "id 'a' is used by features 1, 2" in text
    assert "feature 3 (id 'c'): geometry is missing" in text
    assert "feature 4 (id 'd')" in text and "out of range" in text


def test_nan_coordinate_in_geojson(tmp_path):
    path = tmp_path / "l.geojson"
    path.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"x"},'
        '"geometry":{"type":"Point","coordinates":[NaN, 50]}}]}'
    )
    with pytest.raises(DataError, match="feature 1"):
        read_layer(path)


def test_swapped_coordinates_are_suspected(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text("id,lat,lon\na,71.4,151.2\n")
    path.write_text("id,lat,lon\na,171.4,51.2\n")
    with pytest.raises(DataError, match="swapped"):
        read_layer(path)


def test_missing_crs_and_field(tmp_path):
    frame = gpd.GeoDataFrame({"id": ["a"]}, geometry=shapely.points([[70, 50]]))
    path = tmp_path / "l.parquet"
    frame.to_parquet(path)
    with pytest.raises(DataError) as info:
        read_layer(path, required=("nmae",))
    assert "no coordinate reference system" in str(info.value)


def test_other_crs_is_reprojected(tmp_path):
    frame = layer(id=["a"], geometry=shapely.points([[70, 50]])).to_crs("EPSG:32643")
    path = tmp_path / "l.gpkg"
    frame.to_file(path)
    out = read_layer(path)
    assert out.geometry.x.iloc[0] == pytest.approx(70)


def test_invalid_polygon_and_missing_file(tmp_path):
    bowtie = shapely.Polygon([(70, 50), (71, 51), (71, 50), (70, 51)])
    path = tmp_path / "l.geojson"
    layer(id=["a"], geometry=[bowtie]).to_file(path)
    with pytest.raises(DataError, match="invalid geometry"):
        read_layer(path)
    with pytest.raises(DataError, match="not found"):
        read_layer(tmp_path / "none.geojson")


def test_polygons_become_points_inside_them(tmp_path):
    square = shapely.box(70, 50, 71, 51)
    path = tmp_path / "l.geojson"
    layer(id=["a"], geometry=[square]).to_file(path)
    out = read_layer(path)
    assert out.geom_type.iloc[0] == "Point" and square.contains(out.geometry.iloc[0])
