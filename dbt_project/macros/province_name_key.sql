{#- Key on which reported province names are matched: NFC, Vietnamese marks removed, lower case,
    letters and digits only, without a leading "tỉnh" / "thành phố" / "TP", so "Tỉnh Hà Giang",
    "HÀ GIANG" and "Ha Giang" all give "hagiang". The project's one province key: every alias seed
    (generated or manual) and every reported name goes through it in int_province_aliases_keyed and
    int_indicator_mentions_conformed. -#}
{% macro province_name_key(expr) -%}
regexp_replace(
    regexp_replace(
        lower(translate(normalize({{ expr }}, NFC),
            'ÀÁÂÃÈÉÊÌÍÎÒÓÔÕÙÚÛÝàáâãèéêìíîòóôõùúûýĂăĔĕĨĩĬĭŎŏŨũŬŭŶŷƠơƯưṌṍṸṹẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹđĐ',
            'aaaaeeeiiioooouuuyaaaaeeeiiioooouuuyaaeeiiiioouuuuyyoouuoouuaaaaaaaaaaaaaaaaaaaaaaaaeeeeeeeeeeeeeeeeiiiioooooooooooooooooooooooouuuuuuuuuuuuuuyyyyyyyydd')),
        '[^a-z0-9]', '', 'g'),
    '^(thanhpho|tinh|tp)(?=.)', '')
{%- endmacro %}
