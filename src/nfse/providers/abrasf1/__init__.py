"""ABRASF 1.0 over SOAP (the ``abrasf_v1`` provider): the asynchronous lot (EnviarLoteRpsEnvio →
protocol → ConsultarSituacaoLoteRps / ConsultarLoteRps), ConsultarNfseRps, ConsultarNfse and
CancelarNfse, in the dialect of Ginfes (schemas v03, SOAP ``arg0``/``arg1``), its first
profile. docs/abrasf1.md."""
