{#- Key on which reported province names are matched: NFC, Vietnamese marks removed, lower case,
    letters and digits only, without a leading "tỉnh" / "thành phố" / "TP". Same rule as the keys of
    scripts/generate_province_seed.py, so "Tỉnh Hà Giang", "HÀ GIANG" and "Ha Giang" all give "hagiang". -#}
{% macro province_name_key(expr) -%}
regexp_replace(
    regexp_replace(
        lower(translate(normalize({{ expr }}, NFC),
            'ÀÁÂÃÈÉÊÌÍÎÒÓÔÕÙÚÛÝàáâãèéêìíîòóôõùúûýĂăĔĕĨĩĬĭŎŏŨũŬŭŶŷƠơƯưṌṍṸṹẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹđĐ',
            'aaaaeeeiiioooouuuyaaaaeeeiiioooouuuyaaeeiiiioouuuuyyoouuoouuaaaaaaaaaaaaaaaaaaaaaaaaeeeeeeeeeeeeeeeeiiiioooooooooooooooooooooooouuuuuuuuuuuuuuyyyyyyyydd')),
        '[^a-z0-9]', '', 'g'),
    '^(thanhpho|tinh|tp)(?=.)', '')
{%- endmacro %}
