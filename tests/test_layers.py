"""Reading layers in four formats and reporting every problem of a file."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely

from siting.errors import DataError
from siting.layers import check_layer, read_layer


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


def test_points_are_required_where_sites_are(tmp_path):
    path = tmp_path / "l.geojson"
    one = shapely.MultiPoint([(70, 50)])
    layer(id=["a", "b"], geometry=[one, shapely.box(70, 50, 71, 51)]).to_file(path)
    with pytest.raises(DataError, match=r"feature 2 \(id 'b'\) is a Polygon where a point"):
        read_layer(path)
    layer(id=["a"], geometry=[one]).to_file(path)
    assert read_layer(path).geometry.iloc[0] == shapely.Point(70, 50)
    assert read_layer(path, points=False).geom_type.iloc[0] == "MultiPoint"


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("a\0b.geojson", "NUL character"),
        ("a" * 5000 + ".geojson", "5,008 characters; most systems allow 255"),
        ("loop.geojson", "leads back to itself"),
        ("dangling.geojson", "symbolic link to a file that does not exist"),
        ("folder.geojson", "is a folder, not a file"),
        ("l.shp", "unknown layer format '.shp'"),
    ],
)
def test_paths_the_file_system_refuses(tmp_path, name, said):
    # siting.criteria refuses most of these when it loads a study; read_layer must not rely on it.
    (tmp_path / "loop.geojson").symlink_to(tmp_path / "loop.geojson")
    (tmp_path / "dangling.geojson").symlink_to(tmp_path / "gone.geojson")
    (tmp_path / "folder.geojson").mkdir()
    (tmp_path / "l.shp").write_text("x")
    with pytest.raises(DataError, match=said) as info:
        read_layer(tmp_path / name)
    assert len(str(info.value)) < 400  # a 5,000-character path is shortened, not echoed


def test_mixed_json_types_keep_the_files_values(tmp_path):
    # GDAL reads one type per property: true becomes 1 and "2" becomes 2 among numbers.
    path = tmp_path / "l.geojson"
    features = [
        {"type": "Feature", "id": i, "properties": {"v": v, "w": 1.5},
         "geometry": {"type": "Point", "coordinates": [70, 50]}}
        for i, v in enumerate([1, True, "2", None])
    ]  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    out = read_layer(path)
    assert out["v"].tolist()[:3] == [1, True, "2"] and out["v"].isna().iloc[3]
    assert out["w"].dtype == float  # a property of one type keeps GDAL's reading
    assert list(out.index) == ["0", "1", "2", "3"]  # RFC 7946 ids beside the properties


def test_ids_and_names_come_out_as_text(tmp_path):
    path = tmp_path / "l.gpkg"
    layer(
        id=[1, 2], name=[7, 8], name_kk=["a", None], geometry=shapely.points([[70, 50], [71, 51]])
    ).to_file(path)
    out = read_layer(path, required=("name",))
    assert list(out.index) == ["1", "2"]
    assert out["name"].tolist() == ["7", "8"]
    assert out["name_kk"].iloc[0] == "a" and out["name_kk"].isna().iloc[1]


def test_problems_can_be_collected_with_the_layer(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text("id,name,lat,lon\na,,50,70\na,B,51,71\n")
    problems: list[str] = []
    out = read_layer(path, required=("name",), problems=problems)
    assert len(out) == 2 and len(problems) == 2
    assert "field 'name' is empty for feature 1 (id 'a')" in problems[1]


def test_a_crs_that_cannot_be_transformed(tmp_path):
    local = (
        'ENGCRS["site grid",EDATUM["site"],CS[Cartesian,2],'
        'AXIS["x",east,ORDER[1],LENGTHUNIT["metre",1]],AXIS["y",north,ORDER[2],LENGTHUNIT["metre",1]]]'
    )
    frame = gpd.GeoDataFrame({"id": ["a"]}, geometry=shapely.points([[5000, 6000]]), crs=local)
    with pytest.raises(DataError, match="cannot transform the layer from 'site grid' to EPSG:4326"):
        check_layer(frame, path=tmp_path / "l.gpkg")
    metres = frame.set_crs("EPSG:4326", allow_override=True)
    with pytest.raises(DataError, match="look like metres of a projected CRS"):
        check_layer(metres, path=tmp_path / "l.gpkg")
