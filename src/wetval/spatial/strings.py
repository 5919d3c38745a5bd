"""Report strings (zh, en) of the spatial results; merged into :mod:`wetval.report.strings`."""

from __future__ import annotations

__all__ = ["SPATIAL_STRINGS"]

SPATIAL_STRINGS: dict[str, tuple[str, str]] = {
    "s_overlay": ("压占分析", "Overlay of the land-use boundary (压占分析)"),
    "map_title_occupation": ("项目用地红线与压占地类图", "Project red line and occupied land"),
    "map_title_county": ("县域位置图", "County overview"),
    "map_red_line": ("用地红线", "Red line (land-use boundary)"),
    "map_restoration": ("补充（修复）地块", "Compensating (restoration) sites"),
    "map_township": ("乡镇界", "Township boundary"),
    "map_crs": ("坐标系：2000国家大地坐标系（CGCS2000）{crs}", "CRS: CGCS2000 {crs}"),
    "map_north": ("北", "N"),
    "map_synthetic": ("合成（SYNTHETIC）示例数据", "SYNTHETIC sample data"),
    "map_grade": ("质量等级 {grade}", "Condition grade {grade}"),
    "col_piece_id": ("压占图斑编号", "Piece"),
    "col_parcel_id": ("图斑标识码", "Parcel"),
    "col_land_class": ("地类编码", "Land class"),
    "col_land_class_name": ("地类名称", "Land-class name"),
    "col_ownership_unit": ("权属单位", "Ownership unit"),
    "col_piece_area": ("压占面积（m²）", "Overlapped area (m²)"),
    "col_share": ("压占比例", "Share of parcel"),
    "col_prorated": ("压占地类面积（m²）", "Prorated land-class area (m²)"),
    "w_overlay_multipart": (
        "用地范围 {features} 为多部件要素，已按各部件分别叠加。",
        "Footprint features {features} are multi-part; each part is overlaid.",
    ),
    "w_overlay_slivers": (
        "{count} 个压占图斑面积小于 {sliver_m2} m²（碎片），已保留：{pieces}。",
        "{count} pieces are smaller than {sliver_m2} m² (slivers) and are kept: {pieces}.",
    ),
    "w_overlay_uncovered": (
        "用地范围中有 {area_m2:,.2f} m² 不在任何地类图斑内（图层范围之外或有缝隙）。",
        "{area_m2:,.2f} m² of the footprint lie in no parcel (outside the layer or in gaps).",
    ),
    "n_overlay_control": (
        "压占面积按控制面积（控面）{control_m2:,.2f} m² 调整：差值 {adjustment_m2:,.2f} m²，"
        "系数 {factor:.8f}。",
        "Pieces adjusted to the control area (控面) of {control_m2:,.2f} m²: difference "
        "{adjustment_m2:,.2f} m², factor {factor:.8f}.",
    ),
    "n_overlay_crs": ("叠加坐标系：{reason}", "Overlay CRS: {reason}"),
}
