"""eGoverneISS (Osasco/SP): a WCF SOAP service of DataContract objects, authenticated by the
company's access key (``ChaveAutenticacao``)."""
