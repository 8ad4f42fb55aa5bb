select
    indicators.code as indicator_code,
    indicators.domain,
    indicators.unit,
    indicators.name_en,
    indicators.name_vi,
    indicators.cues_vi,
    attributes.online_service_regime,
    attributes.regime_note
from {{ ref('indicators') }} as indicators
left join {{ ref('indicator_attributes') }} as attributes
    on attributes.code = indicators.code
