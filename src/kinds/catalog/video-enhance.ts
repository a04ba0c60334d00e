import { COLOR_ENHANCE, MS_SHARPEN, RESOLUTION, SUPER_RESOLUTION_FIELDS, TRANSCODE_CONTAINER, TRANSCODE_FIELDS } from '../containers.js';
import { bool, defineKind, enumOf, group, required } from '../schema.js';

export default defineKind({
  tag: 'VideoEnhance',
  // The doc pages give only the Request table and the example; the sub-containers are the
  // same-named containers of Transcode, SuperResolution and VideoProcess (inferred), shaped like
  // Go's structs. None of them is required, and no combination rule is applied.
  source: 'template-kinds.md §3.17 (D:460/84722, E:1045/73092; Go G:2582–2602, GT:2596)',
  fillDefaults: false,
  fields: {
    VideoEnhance: group(
      {
        Transcode: group({ ...TRANSCODE_FIELDS, Container: required(TRANSCODE_CONTAINER, false) }),
        SuperResolution: group({ ...SUPER_RESOLUTION_FIELDS, Resolution: RESOLUTION }),
        ColorEnhance: COLOR_ENHANCE,
        MsSharpen: MS_SHARPEN,
        SDRtoHDR: group({ HdrMode: enumOf(['HLG', 'HDR10']) }),
        FrameEnhance: group({ FrameDoubling: bool() }),
      },
      { required: true },
    ),
  },
  example:
    '<Request><Tag>VideoEnhance</Tag><Name>TemplateName</Name><VideoEnhance>' +
    '<Transcode><Container><Format>mp4</Format></Container><Video><Codec>H.264</Codec><Width>1280</Width><Fps>30</Fps></Video>' +
    '<Audio><Codec>aac</Codec><Samplerate>44100</Samplerate><Bitrate>128</Bitrate><Channels>4</Channels></Audio></Transcode>' +
    '<SuperResolution><Resolution>sdtohd</Resolution><EnableScaleUp>true</EnableScaleUp><Version>Enhance</Version></SuperResolution>' +
    '<ColorEnhance><Contrast>50</Contrast><Correction>100</Correction><Saturation>100</Saturation></ColorEnhance>' +
    '<MsSharpen><SharpenLevel>5</SharpenLevel></MsSharpen><SDRtoHDR><HdrMode>HDR10</HdrMode></SDRtoHDR>' +
    '<FrameEnhance><FrameDoubling>true</FrameDoubling></FrameEnhance></VideoEnhance></Request>',
});
